/**
 * The one valid access_token for a fleet of replicas (protocol.md §6.2, stable_token).
 * The token lives in the Store under `wxbot:<appId>:access_token`; a lock key with an expiry makes
 * sure one replica at a time asks WeChat, while the others wait for the new value (or keep using
 * the old one, which stays valid during an early refresh).
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import { WechatApiError } from './errors.js';
import { normalizeApiBase, requestJson } from './http.js';
import { beijingDay, claimSlot } from './quota.js';

export interface AccessTokenOptions {
  appId: string;
  appSecret: string;
  store: Store;
  /** Default https://api.weixin.qq.com (WECHAT_API_BASE in the CLI). */
  apiBase?: string;
  /** Per HTTP request. Default 5 s. */
  timeoutMs?: number;
  /** Refresh when less than this is left. Default 5 min (WeChat rotates stable tokens 5 min before expiry). */
  refreshMarginMs?: number;
  /** How long a refresh may hold the lock before another replica may take over. Default 2 × timeout + 1 s. */
  lockTtlMs?: number;
  /** How long a caller waits for another replica's refresh. Default lockTtl + 2 s. */
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  /** force_refresh is limited to 20 a day (§6.2); this keeps us under it. */
  forceRefreshDailyLimit?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

const FORCE_SPACING_MS = 30_000;

export class AccessTokenManager {
  readonly appId: string;
  readonly apiBase: string;
  readonly #secret: string;
  readonly #store: Store;
  readonly #key: string;
  readonly #timeoutMs: number;
  readonly #marginMs: number;
  readonly #lockTtlMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #forceLimit: number;
  readonly #now: () => number;
  #memo: Cached | undefined;
  #inflight: Promise<string> | undefined;
  readonly #rejections = new Map<string, Promise<string>>();

  constructor(o: AccessTokenOptions) {
    if (!o.appId || !o.appSecret)
      throw new WechatApiError(
        'WECHAT_CONFIG',
        'WECHAT_APP_ID and WECHAT_APP_SECRET are both needed to get an access_token',
      );
    this.appId = o.appId;
    this.#secret = o.appSecret;
    this.#store = o.store;
    this.apiBase = normalizeApiBase(o.apiBase);
    this.#key = `wxbot:${o.appId}:access_token`;
    this.#timeoutMs = o.timeoutMs ?? 5_000;
    this.#marginMs = o.refreshMarginMs ?? 5 * 60_000;
    this.#lockTtlMs = o.lockTtlMs ?? 2 * this.#timeoutMs + 1_000;
    this.#waitMs = o.waitTimeoutMs ?? this.#lockTtlMs + 2_000;
    this.#pollMs = o.pollIntervalMs ?? 100;
    this.#forceLimit = o.forceRefreshDailyLimit ?? 20;
    this.#now = o.now ?? Date.now;
  }

  /** A valid token: from memory, else the store, else one refresh across the fleet. */
  async getToken(): Promise<string> {
    if (this.#memo && this.#now() < this.#memo.refreshAt) return this.#memo.token;
    // One flight per process; replicas coordinate through the store lock.
    this.#inflight ??= this.#obtain(undefined).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /**
   * After WeChat rejected `rejected` (40001/40014/42001): a different valid token. Prefers the one
   * another replica already stored, then a normal fetch; force_refresh only when the server still
   * hands out the rejected token, within its 20/day, 30 s spacing budget.
   */
  async refreshAfterRejection(rejected: string): Promise<string> {
    if (this.#memo?.token === rejected) this.#memo = undefined;
    let p = this.#rejections.get(rejected);
    if (!p) {
      p = this.#obtain(rejected).finally(() => this.#rejections.delete(rejected));
      this.#rejections.set(rejected, p);
    }
    return p;
  }

  async #obtain(rejected: string | undefined): Promise<string> {
    const deadline = this.#now() + this.#waitMs;
    const owner = randomUUID();
    const lockKey = `${this.#key}:lock`;
    for (;;) {
      const cur = await this.#read();
      if (cur && this.#usable(cur, rejected)) return this.#adopt(cur);
      if (await this.#store.setIfAbsent(lockKey, owner, this.#lockTtlMs)) {
        try {
          // Someone may have finished a refresh between our read and our lock.
          const again = await this.#read();
          if (again && this.#usable(again, rejected)) return this.#adopt(again);
          const fresh = await this.#fetch(rejected);
          await this.#store.set(this.#key, JSON.stringify(fresh), Math.max(1, fresh.expiresAt - this.#now()));
          return this.#adopt(fresh);
        } finally {
          await this.#release(lockKey, owner);
        }
      }
      // Another replica is refreshing early: the current token is still valid, so use it meanwhile.
      if (cur && !rejected && this.#now() < cur.expiresAt - this.#timeoutMs) return cur.token;
      if (this.#now() >= deadline) {
        throw new WechatApiError(
          'TOKEN_BUSY',
          `another replica holds the access_token refresh lock and no new token appeared within ${this.#waitMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  #usable(c: Cached, rejected: string | undefined): boolean {
    return rejected === undefined ? this.#now() < c.refreshAt : c.token !== rejected && this.#now() < c.expiresAt;
  }

  #adopt(c: Cached): string {
    this.#memo = c;
    return c.token;
  }

  async #fetch(rejected: string | undefined): Promise<Cached> {
    const normal = await this.#stableToken(false);
    if (rejected === undefined || normal.token !== rejected) return normal;
    await this.#takeForceBudget();
    return this.#stableToken(true);
  }

  async #takeForceBudget(): Promise<void> {
    const now = this.#now();
    if (!(await this.#store.setIfAbsent(`${this.#key}:force:recent`, String(now), FORCE_SPACING_MS))) {
      throw new WechatApiError(
        'FORCE_REFRESH_LIMIT',
        'the access_token was force-refreshed less than 30 s ago; not forcing again (§6.2)',
      );
    }
    const { day, msLeft } = beijingDay(now);
    if ((await claimSlot(this.#store, `${this.#key}:force:${day}`, this.#forceLimit, msLeft)) === undefined) {
      throw new WechatApiError(
        'FORCE_REFRESH_LIMIT',
        `force_refresh used ${this.#forceLimit} times today; WeChat allows 20 a day (§6.2)`,
      );
    }
  }

  async #stableToken(force: boolean): Promise<Cached> {
    const api = '/cgi-bin/stable_token';
    const res = await requestJson({
      method: 'POST',
      base: this.apiBase,
      path: api,
      body: { grant_type: 'client_credential', appid: this.appId, secret: this.#secret, force_refresh: force },
      timeoutMs: this.#timeoutMs,
    });
    if (res.errcode) throw WechatApiError.fromErrcode(api, res.errcode, res.errmsg);
    const token = res.access_token;
    const expiresIn = Number(res.expires_in);
    if (typeof token !== 'string' || !token || !(expiresIn > 0)) {
      throw new WechatApiError('WECHAT_BAD_RESPONSE', `${api}: no access_token/expires_in in the answer`, { api });
    }
    const now = this.#now();
    const lifeMs = expiresIn * 1000;
    // Never refresh later than halfway, so a short-lived token cannot make us loop on refreshes.
    return { token, expiresAt: now + lifeMs, refreshAt: now + lifeMs - Math.min(this.#marginMs, lifeMs / 2) };
  }

  async #read(): Promise<Cached | undefined> {
    const raw = await this.#store.get(this.#key);
    if (!raw) return undefined;
    try {
      const c = JSON.parse(raw) as Partial<Cached>;
      if (typeof c.token === 'string' && typeof c.expiresAt === 'number' && typeof c.refreshAt === 'number') {
        return c as Cached;
      }
    } catch {
      // A corrupt entry is as good as none: refresh.
    }
    return undefined;
  }

  async #release(lockKey: string, owner: string): Promise<void> {
    try {
      // Only our own lock: if it expired and another replica took it, leave theirs alone.
      if ((await this.#store.get(lockKey)) === owner) await this.#store.delete(lockKey);
    } catch {
      // The lock expires on its own.
    }
  }
}
