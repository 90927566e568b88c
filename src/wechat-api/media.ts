/**
 * Media (素材): temporary media (kept 3 days by WeChat) and permanent material. Every upload is
 * checked against WeChat's limits first (media-limits.ts): a file WeChat would refuse never leaves.
 */
import type { WechatApi } from './client.js';
import { WechatApiError } from './errors.js';
import type { FormPart, MediaAnswer } from './http-media.js';
import { checkMedia, FORMAT_FILES, type MediaFormat, type MediaType } from './media-limits.js';

export interface MediaFile {
  bytes: Uint8Array;
  /** Sent as the part's filename; its extension is corrected to the real format. Default `media`. */
  filename?: string;
}

export interface UploadedMedia {
  type: MediaType;
  media_id: string;
  /** Unix seconds, as WeChat reports it. */
  created_at: number;
  format: MediaFormat;
}

export interface AddedMaterial {
  media_id: string;
  /** Images only: the picture's URL on WeChat's servers. */
  url?: string;
  format: MediaFormat;
}

export interface VideoDescription {
  title: string;
  introduction: string;
}

/** Uploads are bigger than JSON calls: more time than the client's default. */
const UPLOAD_TIMEOUT_MS = 60_000;

/** The multipart part WeChat documents: field `media`, with a filename and Content-Type. */
function mediaPart(file: MediaFile, format: MediaFormat) {
  const { ext, contentType } = FORMAT_FILES[format];
  const base = (file.filename ?? 'media').replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'media';
  return { name: 'media', file: file.bytes, filename: `${base}.${ext}`, contentType };
}

function jsonOf(path: string, a: MediaAnswer) {
  if (a.kind === 'json') return a.json;
  throw new WechatApiError('WECHAT_BAD_RESPONSE', `${path}: a file came back where JSON was expected`, { api: path });
}

/** Temporary media (`/cgi-bin/media/upload`): a media_id valid for 3 days. */
export async function uploadTempMedia(api: WechatApi, type: MediaType, file: MediaFile): Promise<UploadedMedia> {
  const format = checkMedia(type, file.bytes, file.filename);
  const path = '/cgi-bin/media/upload';
  const res = jsonOf(
    path,
    await api.callMedia(path, { query: { type }, form: [mediaPart(file, format)], timeoutMs: UPLOAD_TIMEOUT_MS }),
  );
  // A thumb's id comes back as thumb_media_id.
  const id = res.media_id ?? res.thumb_media_id;
  if (typeof id !== 'string' || !id)
    throw new WechatApiError('WECHAT_BAD_RESPONSE', `${path}: no media_id in the answer`, { api: path });
  const created = Number(res.created_at);
  return {
    type,
    media_id: id,
    created_at: Number.isFinite(created) && created > 0 ? created : Math.floor(Date.now() / 1000),
    format,
  };
}

/**
 * Permanent material (`/cgi-bin/material/add_material`). A video needs its title and
 * introduction (sent as the `description` field WeChat documents).
 */
export async function addMaterial(
  api: WechatApi,
  type: MediaType,
  file: MediaFile,
  video?: VideoDescription,
): Promise<AddedMaterial> {
  const format = checkMedia(type, file.bytes, file.filename);
  const path = '/cgi-bin/material/add_material';
  const form: FormPart[] = [mediaPart(file, format)];
  if (type === 'video') {
    if (!video?.title || !video.introduction) {
      throw new WechatApiError('MEDIA_INVALID', 'a permanent video needs a title and an introduction');
    }
    form.push({ name: 'description', value: JSON.stringify({ title: video.title, introduction: video.introduction }) });
  }
  const res = jsonOf(path, await api.callMedia(path, { query: { type }, form, timeoutMs: UPLOAD_TIMEOUT_MS }));
  if (typeof res.media_id !== 'string' || !res.media_id)
    throw new WechatApiError('WECHAT_BAD_RESPONSE', `${path}: no media_id in the answer`, { api: path });
  return { media_id: res.media_id, url: typeof res.url === 'string' ? res.url : undefined, format };
}

/** What a download gives: the file, or (videos) where to fetch it. */
export type DownloadedMedia =
  | { kind: 'file'; bytes: Buffer; contentType: string; filename?: string }
  | { kind: 'video'; url: string; title?: string; description?: string };

function downloaded(path: string, a: MediaAnswer): DownloadedMedia {
  if (a.kind === 'file') return a;
  const url = a.json.video_url ?? a.json.down_url;
  if (typeof url === 'string') {
    const title = typeof a.json.title === 'string' ? a.json.title : undefined;
    const description = typeof a.json.description === 'string' ? a.json.description : undefined;
    return { kind: 'video', url, title, description };
  }
  throw new WechatApiError('WECHAT_BAD_RESPONSE', `${path}: neither a file nor a video URL in the answer`, {
    api: path,
  });
}

/** Downloads temporary media (`/cgi-bin/media/get`); errcode 40007 when the id is unknown or expired. */
export async function getTempMedia(api: WechatApi, mediaId: string): Promise<DownloadedMedia> {
  const path = '/cgi-bin/media/get';
  return downloaded(
    path,
    await api.callMedia(path, { method: 'GET', query: { media_id: mediaId }, timeoutMs: UPLOAD_TIMEOUT_MS }),
  );
}

/** Downloads permanent material (`/cgi-bin/material/get_material`). */
export async function getMaterial(api: WechatApi, mediaId: string): Promise<DownloadedMedia> {
  const path = '/cgi-bin/material/get_material';
  return downloaded(
    path,
    await api.callMedia(path, { method: 'POST', body: { media_id: mediaId }, timeoutMs: UPLOAD_TIMEOUT_MS }),
  );
}

/** Deletes permanent material (temporary media cannot be deleted: it expires). */
export async function deleteMaterial(api: WechatApi, mediaId: string): Promise<void> {
  await api.call('/cgi-bin/material/del_material', { method: 'POST', body: { media_id: mediaId } });
}

export interface MaterialCount {
  voice_count: number;
  video_count: number;
  image_count: number;
  news_count: number;
}

export async function countMaterials(api: WechatApi): Promise<MaterialCount> {
  const res = await api.call('/cgi-bin/material/get_materialcount', { method: 'GET' });
  const n = (k: string) => Number(res[k] ?? 0);
  return {
    voice_count: n('voice_count'),
    video_count: n('video_count'),
    image_count: n('image_count'),
    news_count: n('news_count'),
  };
}

export interface MaterialItem {
  media_id: string;
  name?: string;
  update_time?: number;
  url?: string;
}

export interface MaterialPage {
  total_count: number;
  item_count: number;
  item: MaterialItem[];
}

/** One page of permanent material of a type (`batchget_material`): `count` is 1 to 20. */
export async function listMaterials(
  api: WechatApi,
  type: Exclude<MediaType, 'thumb'>,
  offset = 0,
  count = 20,
): Promise<MaterialPage> {
  if (!Number.isInteger(count) || count < 1 || count > 20)
    throw new WechatApiError('MEDIA_INVALID', `count is ${count}; WeChat lists 1 to 20 items at a time`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new WechatApiError('MEDIA_INVALID', `offset is ${offset}; it starts at 0`);
  const res = await api.call('/cgi-bin/material/batchget_material', { method: 'POST', body: { type, offset, count } });
  const item = Array.isArray(res.item) ? (res.item as MaterialItem[]) : [];
  return { total_count: Number(res.total_count ?? 0), item_count: Number(res.item_count ?? item.length), item };
}
