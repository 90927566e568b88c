/**
 * Calls a business API with the fleet's access_token; when WeChat says the token is no good
 * (40001/40014/42001) it gets a different one once and retries once (protocol.md §6.1).
 */
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { AccessTokenManager, type AccessTokenOptions } from './access-token.js';
import { TOKEN_REJECTED_ERRCODES, WechatApiError } from './errors.js';
import { requestJson, type WechatJson } from './http.js';
import { requestMedia, type FormPart, type MediaAnswer } from './http-media.js';

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  query?: Record<string, string>;
}

export interface MediaCallOptions {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  /** A JSON body, or a multipart one. */
  body?: unknown;
  form?: readonly FormPart[];
  /** Uploads and downloads take longer than JSON calls. Default: the client's timeout. */
  timeoutMs?: number;
}

export class WechatApi {
  readonly tokens: AccessTokenManager;
  readonly #timeoutMs: number;

  constructor(tokens: AccessTokenManager, timeoutMs = 5_000) {
    this.tokens = tokens;
    this.#timeoutMs = timeoutMs;
  }

  get apiBase(): string {
    return this.tokens.apiBase;
  }

  /** The JSON answer when errcode is absent or 0; a WechatApiError otherwise. */
  async call(path: string, opts: CallOptions = {}): Promise<WechatJson> {
    const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
    let token = await this.tokens.getToken();
    for (let attempt = 0; ; attempt++) {
      const res = await requestJson({
        method,
        base: this.apiBase,
        path,
        query: { ...opts.query, access_token: token },
        body: opts.body,
        timeoutMs: this.#timeoutMs,
      });
      const errcode = res.errcode ?? 0;
      if (errcode === 0) return res;
      if (attempt === 0 && TOKEN_REJECTED_ERRCODES.has(errcode)) {
        token = await this.tokens.refreshAfterRejection(token);
        continue;
      }
      throw WechatApiError.fromErrcode(path, errcode, res.errmsg);
    }
  }

  /** Like call(), for multipart uploads and downloads that answer a file (or JSON on failure). */
  async callMedia(path: string, opts: MediaCallOptions = {}): Promise<MediaAnswer> {
    let token = await this.tokens.getToken();
    for (let attempt = 0; ; attempt++) {
      const res = await requestMedia({
        method: opts.method ?? 'POST',
        base: this.apiBase,
        path,
        query: { ...opts.query, access_token: token },
        body: opts.body,
        form: opts.form,
        timeoutMs: opts.timeoutMs ?? this.#timeoutMs,
      });
      if (res.kind === 'file') return res;
      const errcode = res.json.errcode ?? 0;
      if (errcode === 0) return res;
      if (attempt === 0 && TOKEN_REJECTED_ERRCODES.has(errcode)) {
        token = await this.tokens.refreshAfterRejection(token);
        continue;
      }
      throw WechatApiError.fromErrcode(path, errcode, res.json.errmsg);
    }
  }
}

export interface WechatApiOptions extends Omit<AccessTokenOptions, 'store'> {
  /** Where the token is cached; memory when omitted (fine for one process: stable_token is shared). */
  store?: Store;
}

/**
 * A WeChat API client for one account: the access_token is fetched, cached in `store` and renewed
 * by itself; every call retries once with a new token when WeChat rejects the old one.
 *
 * @example
 * ```ts
 * import { createWechatApi, customMessageFor, sendCustomMessage, textReply } from 'wxbot';
 *
 * const api = createWechatApi({ appId: process.env.WECHAT_APP_ID!, appSecret: process.env.WECHAT_APP_SECRET! });
 * await sendCustomMessage(api, customMessageFor(openId, textReply('你的订单已发货'))!);
 * ```
 */
export function createWechatApi(opts: WechatApiOptions): WechatApi {
  const tokens = new AccessTokenManager({ ...opts, store: opts.store ?? new MemoryStore() });
  return new WechatApi(tokens, opts.timeoutMs);
}
