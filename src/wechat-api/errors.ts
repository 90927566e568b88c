import { WxbotError } from '../protocol/errors.js';

/** What WeChat's documented errcodes mean (protocol.md §6), so an error says what to do about it. */
export const ERRCODE_MEANINGS: Readonly<Record<number, string>> = {
  [-1]: 'system busy, try again later',
  40001: 'invalid credential: wrong AppSecret, or the access_token is invalid or not the latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid (not a follower of this account)',
  40004: 'invalid media type: type must be image, voice, video or thumb',
  40005: 'invalid file type: the file is not in a format this media type takes',
  40006: 'invalid media size: the file is empty or larger than this media type allows',
  40007: 'invalid media_id: unknown, deleted, or temporary media older than 3 days',
  40008: 'invalid message type',
  40009: 'invalid image size',
  40010: 'invalid voice size',
  40011: 'invalid video size',
  40012: 'invalid thumb size',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40016: 'invalid number of menu buttons',
  40017: 'invalid menu button type',
  40018: 'invalid menu button name size',
  40019: 'invalid menu button key size',
  40020: 'invalid menu button url size',
  40023: 'invalid number of sub-buttons',
  40024: 'invalid sub-button type',
  40025: 'invalid sub-button name size',
  40026: 'invalid sub-button key size',
  40027: 'invalid sub-button url size',
  40037: "invalid template_id: not one of this account's templates",
  40053: 'invalid action_info: the QR code scene is malformed',
  40125: 'invalid appsecret',
  40164: 'caller IP is not in the IP whitelist of the WeChat console',
  41001: 'access_token missing',
  41005: 'media data missing: the multipart body has no "media" file field',
  41006: 'media_id missing',
  42001: 'access_token expired',
  43004: 'the user does not follow the account',
  44002: 'empty POST body',
  45001: 'multimedia file size out of limit',
  45002: 'message content out of limit',
  45009: 'daily API quota reached',
  45011: 'API called too often (minute quota)',
  45015: 'response out of time limit: the customer-service window for this user is closed (or the user unfollowed)',
  45047: 'out of response count limit: no customer-service messages left in this window',
  46003: 'no custom menu is set',
  47001: 'malformed JSON body',
  47003: 'invalid argument: a field (e.g. template data) is missing or malformed',
  48001:
    'API unauthorized: this account lacks the permission (e.g. customer-service messages on an unverified subscription account)',
};

/** Errcodes meaning "this access_token is no good": refresh once and retry once (§6.1). */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

export type WechatApiErrorCode =
  | 'WECHAT_ERRCODE' // WeChat answered with a non-zero errcode
  | 'WECHAT_NETWORK' // no answer (DNS, refused, timeout)
  | 'WECHAT_HTTP' // an HTTP status other than 2xx
  | 'WECHAT_BAD_RESPONSE' // 2xx but not the documented JSON
  | 'TOKEN_BUSY' // another replica holds the refresh lock and no token appeared in time
  | 'FORCE_REFRESH_LIMIT' // a force_refresh would exceed 20/day or come < 30 s after the last
  | 'MENU_INVALID' // the menu failed validation; nothing was sent
  | 'MEDIA_INVALID' // a file WeChat would refuse (format, size, type), or one that cannot be read or downloaded; nothing was sent
  | 'MEDIA_BUSY' // another replica holds the upload lock and no media_id appeared in time
  | 'MEDIA_NOT_CONFIGURED' // a reply from a file without media uploads set up
  | 'QRCODE_INVALID' // a scene or expiry WeChat would refuse; nothing was sent
  | 'TEMPLATE_INVALID' // template data that does not fit the template; nothing was sent
  | 'WECHAT_CONFIG'; // a setting (AppID, AppSecret, API base) is missing or malformed

export interface WechatApiErrorDetails {
  /** The API path, e.g. `/cgi-bin/menu/create` (never the query: it holds the token). */
  api?: string;
  errcode?: number;
  errmsg?: string;
  status?: number;
  cause?: unknown;
}

export class WechatApiError extends WxbotError {
  override readonly code: WechatApiErrorCode;
  readonly api?: string;
  readonly errcode?: number;
  readonly errmsg?: string;
  /** Our explanation of `errcode`, when it is a documented one. */
  readonly meaning?: string;
  readonly status?: number;
  constructor(code: WechatApiErrorCode, message: string, details: WechatApiErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WechatApiError';
    this.code = code;
    this.api = details.api;
    this.errcode = details.errcode;
    this.errmsg = details.errmsg;
    this.status = details.status;
    if (details.errcode !== undefined) this.meaning = ERRCODE_MEANINGS[details.errcode];
  }

  /** The error for a JSON answer carrying a non-zero errcode. */
  static fromErrcode(api: string, errcode: number, errmsg: string | undefined): WechatApiError {
    const meaning = ERRCODE_MEANINGS[errcode];
    const text = `${api} failed: errcode ${errcode}${meaning ? ` (${meaning})` : ''}${errmsg ? `: ${errmsg}` : ''}`;
    return new WechatApiError('WECHAT_ERRCODE', text, { api, errcode, errmsg });
  }
}
