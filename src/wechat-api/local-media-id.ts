/**
 * Placeholder media_ids of local development (`LOCAL_<type>_<hash>`): made by media-cache.ts when
 * there is no AppSecret to upload with. Its own module so the simulator can recognise one without
 * loading the upload code.
 */
export const LOCAL_MEDIA_ID = /^LOCAL_(image|voice|video|thumb)_([0-9a-f]{40})$/;

/** True for a placeholder media_id made in local development (never valid at WeChat). */
export function isLocalMediaId(mediaId: string): boolean {
  return LOCAL_MEDIA_ID.test(mediaId);
}
