import { WxbotError } from '../protocol/errors.js';

export type StoreErrorCode = 'STORE_BAD_URL' | 'STORE_CONNECT' | 'STORE_UNAVAILABLE' | 'STORE_CLOSED';

/** A store failure; messages carry the Redis URL with its password masked, never the password. */
export class StoreError extends WxbotError {
  override readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** `redis://user:pass@host:6379/0` → `redis://user:***@host:6379/0`; unparsable input is hidden entirely. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid Redis URL)';
  }
}
