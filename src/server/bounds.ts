import type { WechatMessage } from '../protocol/messages.js';

/**
 * Longest identifier fields the server accepts, in characters (protocol.md §2). WeChat's own values
 * are far shorter (an OpenID is 28 characters, an account id `gh_` and 12 more, a menu key at most
 * 128 bytes, a view event's URL at most 1024): anything beyond these is not from WeChat, and the
 * dedupe keys, the history and the request log built from them must not grow with it.
 */
export const FIELD_MAX = {
  /** ToUserName, FromUserName: OpenIDs, account ids (WeCom user ids go up to 64). */
  user: 128,
  /** MsgType, Event. */
  kind: 64,
  /** EventKey: a menu key, `qrscene_` + a scene, or a view event's URL. */
  eventKey: 2048,
  /** MediaId, ThumbMediaId, Ticket, Format and the like. */
  token: 512,
} as const;

/** MsgId/MsgID: a 64-bit number written in decimal (protocol.md §2.1). */
export const MSG_ID_MAX_DIGITS = 20;

function isDecimal(s: string, maxDigits: number): boolean {
  const n = s.length;
  if (n === 0 || n > maxDigits) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function tooLong(m: Record<string, unknown>, field: string, max: number): string | undefined {
  const v = m[field];
  return typeof v === 'string' && v.length > max ? `${field} is longer than ${max} characters` : undefined;
}

/**
 * What is wrong with a parsed message's identifiers (answered with 400), or undefined. Checked on
 * every message: a handful of length comparisons and one digit loop. (CreateTime is read as a
 * number by the parser: its size is fixed.)
 */
export function messageBoundsProblem(message: WechatMessage): string | undefined {
  const m = message as unknown as Record<string, unknown>;
  const id = m.MsgId ?? m.MsgID;
  if (id !== undefined) {
    if (typeof id !== 'string' || !isDecimal(id, MSG_ID_MAX_DIGITS)) {
      return `${m.MsgId !== undefined ? 'MsgId' : 'MsgID'} must be a decimal number of at most ${MSG_ID_MAX_DIGITS} digits`;
    }
  }
  return (
    tooLong(m, 'FromUserName', FIELD_MAX.user) ??
    tooLong(m, 'ToUserName', FIELD_MAX.user) ??
    tooLong(m, 'MsgType', FIELD_MAX.kind) ??
    (m.MsgType === 'event'
      ? (tooLong(m, 'Event', FIELD_MAX.kind) ??
        tooLong(m, 'EventKey', FIELD_MAX.eventKey) ??
        tooLong(m, 'Ticket', FIELD_MAX.token))
      : (tooLong(m, 'MediaId', FIELD_MAX.token) ??
        tooLong(m, 'ThumbMediaId', FIELD_MAX.token) ??
        tooLong(m, 'Format', FIELD_MAX.kind)))
  );
}
