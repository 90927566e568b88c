/**
 * The WeChat API calls that are not JSON both ways: multipart uploads (field `media`, as WeChat
 * documents) and downloads that answer a file, or JSON when something is wrong. undici loads on
 * first use. Errors name the API path only: the query carries the access_token.
 */
import { WechatApiError } from './errors.js';
import { checkHttpStatus, noAnswer, type WechatJson } from './http.js';

/** One part of a multipart body: a file (with a name and type) or a plain field. */
export type FormPart =
  | { name: string; file: Uint8Array; filename: string; contentType: string }
  | { name: string; value: string };

export interface MediaRequest {
  method: 'GET' | 'POST';
  base: string;
  path: string;
  query?: Record<string, string>;
  /** A JSON body, or… */
  body?: unknown;
  /** …a multipart body. */
  form?: readonly FormPart[];
  timeoutMs: number;
}

/** What a download answered: JSON (an error, or a video's URL) or the file itself. */
export type MediaAnswer =
  | { kind: 'json'; json: WechatJson }
  | { kind: 'file'; bytes: Buffer; contentType: string; filename?: string };

/**
 * Encodes the parts with undici's FormData into one buffer, so the request has a Content-Length
 * (WeChat's upload endpoints are documented with one, not chunked).
 */
async function encodeForm(parts: readonly FormPart[]): Promise<{ body: Buffer; contentType: string }> {
  const { FormData, Response } = await import('undici');
  const form = new FormData();
  for (const p of parts) {
    if ('file' in p) form.append(p.name, new Blob([p.file], { type: p.contentType }), p.filename);
    else form.append(p.name, p.value);
  }
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType };
}

function filenameOf(disposition: string | undefined): string | undefined {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition ?? '');
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

function parseJsonObject(text: string): WechatJson | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out = v as WechatJson;
    if (out.errcode !== undefined && typeof out.errcode !== 'number') out.errcode = Number(out.errcode);
    return out;
  } catch {
    return undefined;
  }
}

export async function requestMedia(req: MediaRequest): Promise<MediaAnswer> {
  const { request } = await import('undici');
  const url = new URL(req.base + req.path);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  let headers: Record<string, string> = {};
  let body: Buffer | string | undefined;
  if (req.form) {
    const encoded = await encodeForm(req.form);
    headers = { 'content-type': encoded.contentType };
    body = encoded.body;
  } else if (req.body !== undefined) {
    headers = { 'content-type': 'application/json; charset=utf-8' };
    body = JSON.stringify(req.body);
  }
  let status: number;
  let bytes: Buffer;
  let type: string;
  let disposition: string | undefined;
  try {
    const res = await request(url, {
      method: req.method,
      headers,
      body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
    status = res.statusCode;
    type = String(res.headers['content-type'] ?? '');
    disposition = res.headers['content-disposition'] as string | undefined;
    bytes = Buffer.from(await res.body.arrayBuffer());
  } catch (err) {
    throw noAnswer(req, err);
  }
  checkHttpStatus(req, status);
  // WeChat answers errors as JSON, sometimes labelled text/plain; a file is anything else.
  if (/json|text\/plain/i.test(type) || type === '') {
    const json = parseJsonObject(bytes.toString('utf8'));
    if (json) return { kind: 'json', json };
    if (/json/i.test(type)) {
      throw new WechatApiError('WECHAT_BAD_RESPONSE', `${req.path}: the answer is not a JSON object`, {
        api: req.path,
        status,
      });
    }
  }
  return { kind: 'file', bytes, contentType: type || 'application/octet-stream', filename: filenameOf(disposition) };
}
