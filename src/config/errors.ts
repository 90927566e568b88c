import { WxbotError } from '../protocol/errors.js';

/**
 * A setting that cannot be used as given (a malformed `.env`, a port that is not a port, an AppID
 * that is not one): start-up stops here rather than running with something else. `setting` names
 * what to fix, as the user would write it (`--port / WXBOT_PORT`, `/srv/bot/.env`).
 */
export class ConfigError extends WxbotError {
  readonly setting: string;
  constructor(setting: string, message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
    this.name = 'ConfigError';
    this.setting = setting;
  }
}

/** Why a file could not be read, in words a user acts on. */
export function unreadableReason(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'it is a directory';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  return e.code ?? e.message;
}
