import { hash } from 'node:crypto';
import { SHORT_TTL_MS } from '../store/short-lived.js';
import { isLocalStore, type LocalStore, type Store } from '../store/store.js';
import { HttpRejection } from './rejection.js';

/** How long a signed query is remembered when the timestamp check is off (`maxSkew` 0). */
const UNCHECKED_WINDOW_S = 300;

/**
 * Replay protection for plaintext mode, where the signature covers the Token, timestamp and nonce
 * but not the body: a signed URL that leaked could otherwise carry any body (any sender, any text)
 * for as long as its timestamp is accepted. Within that window the same signed query may come back
 * only with the same body (WeChat's own retries); with another body it is refused with 401. The
 * signature and a short hash of the body are kept in the store (`<prefix>sig:<signature>`), so the
 * rule holds across replicas sharing Redis. Compatible and safe mode need none of this: their
 * msg_signature covers the encrypted body.
 */
export class ReplayGuard {
  readonly #store: Store;
  readonly #local: LocalStore | undefined;
  readonly #prefix: string;
  readonly #windowMs: number;

  constructor(store: Store, appId: string | undefined, maxSkewS: number) {
    this.#store = store;
    this.#local = isLocalStore(store) ? store : undefined;
    this.#prefix = `wxbot:${appId || 'default'}:sig:`;
    this.#windowMs = (maxSkewS > 0 ? maxSkewS : UNCHECKED_WINDOW_S) * 1000;
  }

  /**
   * Accepts a verified plaintext push, or throws HttpRejection(401) for a signed query seen before
   * with another body. A promise only when the store is not in this process.
   */
  check(
    signature: string,
    timestamp: string,
    body: string | Buffer,
    nowMs: number,
    openid?: string,
  ): void | Promise<void> {
    // Two users' messages can share a timestamp and nonce (WeChat's nonces are random numbers): the
    // query's openid keeps them apart. It is not signed, so a forger may copy it, and is caught all
    // the same; a long one is hashed to keep the key short.
    const who =
      openid === undefined ? '' : openid.length <= 64 ? `:${openid}` : `:${hash('sha1', openid, 'base64url')}`;
    const key = this.#prefix + signature + who;
    const digest = hash('sha1', body, 'base64');
    // Remembered until the timestamp is no longer accepted, at most 5 minutes: that keeps every record
    // among the store's short-lived entries (off the heap, outside the cap on sessions). A timestamp
    // ahead of the server clock leaves its last seconds unguarded; the signature still binds it.
    const ttl = Math.min(SHORT_TTL_MS, Math.max(1000, Number(timestamp) * 1000 + this.#windowMs - nowMs));
    const local = this.#local;
    if (local) {
      if (local.setIfAbsentNow(key, digest, ttl)) return;
      return same(local.getNow(key), digest);
    }
    const store = this.#store;
    return store
      .setIfAbsent(key, digest, ttl)
      .then((fresh) => (fresh ? undefined : store.get(key).then((seen) => same(seen, digest), storeDown)), storeDown);
  }
}

// The store failing (Redis down) must not stop replies: the message goes on, as with retry dedupe.
const storeDown = (): void => undefined;

function same(seen: string | undefined, digest: string): void {
  // Gone in between (expired or evicted): nothing left to compare with, the signature check stands.
  if (seen === undefined || seen === digest) return;
  throw new HttpRejection(
    401,
    'signed request replayed with another body: a retry must repeat the body it was signed with',
  );
}
