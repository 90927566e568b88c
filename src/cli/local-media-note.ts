/**
 * What the simulator adds under a reply that carries a placeholder media_id (local development:
 * `wxbot serve` without an AppSecret uploads nothing): where the picture is, so it can be opened.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isLocalMediaId } from '../wechat-api/local-media-id.js';

export function localMediaNote(mediaId: string, cwd: string = process.cwd()): string | undefined {
  if (!isLocalMediaId(mediaId)) return undefined;
  try {
    const file = readdirSync(join(cwd, '.wxbot', 'media')).find((n) => n.startsWith(`${mediaId}.`));
    if (file) return `local placeholder, not uploaded: .wxbot/media/${file}`;
  } catch {
    // Served from another directory: the note below still says what the id is.
  }
  return 'local placeholder, not uploaded (wxbot serve without WECHAT_APP_SECRET); WeChat would not accept it';
}
