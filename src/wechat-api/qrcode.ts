/**
 * QR codes with a scene (`/cgi-bin/qrcode/create`): scanning one sends the account a `subscribe`
 * (new follower) or `SCAN` event whose EventKey carries the scene. Temporary codes live up to 30
 * days; permanent ones never expire but are limited in number (100 000 numeric scenes).
 */
import type { WechatApi } from './client.js';
import { WechatApiError } from './errors.js';

/** Where WeChat serves a ticket's image (not the API host). */
export const DEFAULT_QRCODE_IMAGE_BASE = 'https://mp.weixin.qq.com';

export const QR_MAX_EXPIRE_SECONDS = 30 * 86_400;
const SCENE_ID_MAX_PERMANENT = 100_000;
const SCENE_ID_MAX_TEMPORARY = 2 ** 32 - 1;
const SCENE_STR_MAX = 64;

export interface QrCodeRequest {
  /** A positive integer scene_id, or a scene_str of 1 to 64 characters. */
  scene: number | string;
  /** Temporary codes: seconds until the code expires (60 to 2 592 000). Ignored when permanent. */
  expireSeconds?: number;
  permanent?: boolean;
}

export interface QrCode {
  ticket: string;
  /** What the code encodes (the URL a scanner opens). */
  url: string;
  /** Where the code's picture is served (showqrcode). */
  imageUrl: string;
  /** Undefined for a permanent code. */
  expire_seconds?: number;
  permanent: boolean;
  scene: number | string;
}

export class QrCodeValidationError extends WechatApiError {
  constructor(message: string) {
    super('QRCODE_INVALID', message);
    this.name = 'QrCodeValidationError';
  }
}

/** The qrcode/create body for a request; a QrCodeValidationError for one WeChat would refuse. */
export function qrCodeBody(r: QrCodeRequest): Record<string, unknown> {
  const numeric = typeof r.scene === 'number';
  if (numeric) {
    const max = r.permanent ? SCENE_ID_MAX_PERMANENT : SCENE_ID_MAX_TEMPORARY;
    if (!Number.isInteger(r.scene) || (r.scene as number) < 1 || (r.scene as number) > max) {
      throw new QrCodeValidationError(
        `scene_id ${r.scene} is out of range: a ${r.permanent ? 'permanent' : 'temporary'} code takes 1 to ${max}`,
      );
    }
  } else if (typeof r.scene !== 'string' || r.scene.length < 1 || r.scene.length > SCENE_STR_MAX) {
    throw new QrCodeValidationError(
      `scene_str must be 1 to ${SCENE_STR_MAX} characters (got ${String(r.scene).length})`,
    );
  }
  const scene = numeric ? { scene_id: r.scene } : { scene_str: r.scene };
  if (r.permanent) return { action_name: numeric ? 'QR_LIMIT_SCENE' : 'QR_LIMIT_STR_SCENE', action_info: { scene } };
  const expire = r.expireSeconds ?? QR_MAX_EXPIRE_SECONDS;
  if (!Number.isInteger(expire) || expire < 60 || expire > QR_MAX_EXPIRE_SECONDS) {
    throw new QrCodeValidationError(
      `expire_seconds ${expire} is out of range: a temporary code lives 60 s to 30 days (${QR_MAX_EXPIRE_SECONDS} s)`,
    );
  }
  return { expire_seconds: expire, action_name: numeric ? 'QR_SCENE' : 'QR_STR_SCENE', action_info: { scene } };
}

/** The URL of a ticket's picture. */
export function qrCodeImageUrl(ticket: string, imageBase = DEFAULT_QRCODE_IMAGE_BASE): string {
  return `${imageBase.replace(/\/+$/, '')}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
}

/** Creates a code; `imageBase` is where showqrcode lives (tests point it at a fake). */
export async function createQrCode(api: WechatApi, r: QrCodeRequest, imageBase?: string): Promise<QrCode> {
  const body = qrCodeBody(r);
  const res = await api.call('/cgi-bin/qrcode/create', { method: 'POST', body });
  if (typeof res.ticket !== 'string' || !res.ticket) {
    throw new WechatApiError('WECHAT_BAD_RESPONSE', '/cgi-bin/qrcode/create: no ticket in the answer', {
      api: '/cgi-bin/qrcode/create',
    });
  }
  const out: QrCode = {
    ticket: res.ticket,
    url: typeof res.url === 'string' ? res.url : '',
    imageUrl: qrCodeImageUrl(res.ticket, imageBase),
    permanent: r.permanent === true,
    scene: r.scene,
  };
  if (!r.permanent) out.expire_seconds = Number(res.expire_seconds ?? body.expire_seconds);
  return out;
}

/** The picture of a ticket (no access_token needed). Checked to be an image before it is returned. */
export async function downloadQrCode(
  ticket: string,
  imageBase?: string,
  timeoutMs = 10_000,
): Promise<{ bytes: Buffer; contentType: string }> {
  const { request } = await import('undici');
  const url = qrCodeImageUrl(ticket, imageBase);
  const api = '/cgi-bin/showqrcode';
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    throw new WechatApiError(
      'WECHAT_NETWORK',
      `${api}: no answer (${(err as { code?: string }).code ?? (err as Error).message})`,
      { api, cause: err },
    );
  }
  const bytes = Buffer.from(await res.body.arrayBuffer());
  if (res.statusCode !== 200)
    throw new WechatApiError('WECHAT_HTTP', `${api}: HTTP ${res.statusCode} (an unknown or expired ticket)`, {
      api,
      status: res.statusCode,
    });
  const contentType = String(res.headers['content-type'] ?? '');
  if (!contentType.startsWith('image/')) {
    throw new WechatApiError(
      'WECHAT_BAD_RESPONSE',
      `${api}: the answer is ${contentType || 'untyped'}, not a picture`,
      { api },
    );
  }
  return { bytes, contentType };
}
