import { StoreError, maskRedisUrl } from './errors.js';

/** Redis URLs wxbot accepts, for messages. */
export const REDIS_URL_FORM = 'redis://[:password@]host[:port][/db] (or rediss:// for TLS)';

export interface RedisTarget {
  url: URL;
  /** The database number from the path (0 when there is none). */
  db: number;
}

/**
 * Reads a Redis URL strictly: the scheme is redis: or rediss:, a host is given, the path is empty or
 * a database number in decimal digits. Whether the server has that database is known only once
 * connected (RedisStore.connect checks it). Throws StoreError('STORE_BAD_URL') with the password masked.
 */
export function parseRedisUrl(raw: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StoreError('STORE_BAD_URL', `not a Redis URL: ${maskRedisUrl(raw)} (expected ${REDIS_URL_FORM})`);
  }
  const masked = maskRedisUrl(raw);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new StoreError(
      'STORE_BAD_URL',
      `not a Redis URL: ${masked} (the scheme is ${url.protocol.replace(/:$/, '')}; expected ${REDIS_URL_FORM})`,
    );
  }
  if (!url.hostname)
    throw new StoreError('STORE_BAD_URL', `no host in the Redis URL ${masked} (expected ${REDIS_URL_FORM})`);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) {
    throw new StoreError(
      'STORE_BAD_URL',
      `the database in the Redis URL ${masked} must be a number such as /0, got "/${decodeURIComponent(path)}"`,
    );
  }
  return { url, db: path === '' ? 0 : Number(path) };
}
