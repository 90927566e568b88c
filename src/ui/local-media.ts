/** The file behind a placeholder media_id of local development (`LOCAL_image_…` in .wxbot/media). */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isLocalMediaId } from '../wechat-api/local-media-id.js';

const TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.mp3': 'audio/mpeg',
  '.amr': 'audio/amr',
  '.mp4': 'video/mp4',
};

export async function localMedia(dir: string, mediaId: string): Promise<{ data: Buffer; type: string } | undefined> {
  // Only the ids wxbot makes: nothing else can name a file here.
  if (!isLocalMediaId(mediaId)) return undefined;
  try {
    const name = (await readdir(dir)).find((n) => n.startsWith(`${mediaId}.`));
    if (!name) return undefined;
    return {
      data: await readFile(join(dir, name)),
      type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
    };
  } catch {
    return undefined;
  }
}
