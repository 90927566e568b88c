/**
 * JSON over HTTP to the WeChat API. undici is imported on first use, so nothing here costs start-up
 * time for commands that never call WeChat. Errors name the API path only: the query carries the
 * access_token and must not reach a log.
 */
import { WechatApiError } from './errors.js';

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';

export interface JsonRequest {
  method: 'GET' | 'POST';
  /** Base URL without a trailing slash, e.g. https://api.weixin.qq.com */
  base: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

/** A WeChat JSON answer: the documented fields plus `errcode`/`errmsg` on failure. */
export type WechatJson = Record<string, unknown> & { errcode?: number; errmsg?: string };

export function normalizeApiBase(base: string | undefined): string {
  const b = (base ?? DEFAULT_API_BASE).trim() || DEFAULT_API_BASE;
  try {
    new URL(b);
  } catch {
    throw new WechatApiError('WECHAT_CONFIG', `the WeChat API base URL (apiBase / WECHAT_API_BASE) is not a URL: ${b}`);
  }
  return b.replace(/\/+$/, '');
}

/** The error for a request that got no HTTP answer (refused, reset, timed out). */
export function noAnswer(req: { path: string; base: string }, err: unknown): WechatApiError {
  const reason = (err as { code?: string }).code ?? (err as Error).message;
  return new WechatApiError('WECHAT_NETWORK', `${req.path}: no answer from ${req.base} (${reason})`, {
    api: req.path,
    cause: err,
  });
}

/** Throws for an HTTP status outside 2xx (WeChat answers its own errors with 200 and errcode). */
export function checkHttpStatus(req: { path: string; base: string }, status: number): void {
  if (status < 200 || status > 299) {
    throw new WechatApiError('WECHAT_HTTP', `${req.path}: HTTP ${status} from ${req.base}`, { api: req.path, status });
  }
}

export async function requestJson(req: JsonRequest): Promise<WechatJson> {
  const { request } = await import('undici');
  const url = new URL(req.base + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: req.method,
      // WeChat wants raw UTF-8 (JSON.stringify keeps 中文 as is, which is what it expects).
      headers: req.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw noAnswer(req, err);
  }
  checkHttpStatus(req, status);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WechatApiError('WECHAT_BAD_RESPONSE', `${req.path}: the answer is not JSON`, { api: req.path, status });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new WechatApiError('WECHAT_BAD_RESPONSE', `${req.path}: the answer is not a JSON object`, {
      api: req.path,
      status,
    });
  }
  const out = json as WechatJson;
  if (out.errcode !== undefined && typeof out.errcode !== 'number') out.errcode = Number(out.errcode);
  return out;
}
