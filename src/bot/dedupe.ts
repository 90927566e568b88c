import { hash } from 'node:crypto';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';

/**
 * What the first delivery of a message ended with, as stored for retries (protocol.md §5.4).
 * `late`: the deadline passed and `success` was answered; the reply went to the late-reply hook,
 * so retries must not repeat it.
 */
export type Outcome = { kind: 'reply'; reply: ReplyBody } | { kind: 'none' } | { kind: 'late' };

/** Stored while the first delivery is still running. */
export const PENDING = 'pending';

/** Retry identity: MsgId for messages; FromUserName + CreateTime + Event for events (they have no MsgId). */
export function dedupeId(m: WechatMessage): string {
  const id = (m as { MsgId?: unknown }).MsgId;
  if (typeof id === 'string' && id !== '') return `m:${id}`;
  const event = (m as { Event?: unknown }).Event;
  return `e:${m.FromUserName}:${m.CreateTime}:${typeof event === 'string' ? event : m.MsgType}`;
}

/** Longest retry identity stored as it is; a longer one is stored as its SHA-256. */
export const DEDUPE_ID_MAX = 96;

/**
 * The store key of a message's retry identity, at most DEDUPE_ID_MAX characters after the prefix
 * whatever the sender put in the message: a longer identity (an event from a very long user id) is
 * replaced by `h:` and its SHA-256, so 60 s of keys cost what the message count says, not what the
 * senders chose. Every WeChat message id (`m:` and 20 digits) is kept as it is, and hashes nothing.
 */
export function dedupeKey(prefix: string, m: WechatMessage): string {
  const id = dedupeId(m);
  return `${prefix}dedupe:${id.length <= DEDUPE_ID_MAX ? id : `h:${hash('sha256', id, 'base64url')}`}`;
}

const NONE = JSON.stringify({ kind: 'none' });
const LATE = JSON.stringify({ kind: 'late' });

export function encodeOutcome(o: Outcome): string {
  if (o.kind !== 'reply') return o.kind === 'none' ? NONE : LATE;
  const r = o.reply as { MsgType: string; Content?: unknown };
  // The common text reply, as JSON.stringify would write it, without walking the object.
  if (r.MsgType === 'text' && typeof r.Content === 'string' && Object.keys(r).length === 2) {
    return `{"kind":"reply","reply":{"MsgType":"text","Content":${JSON.stringify(r.Content)}}}`;
  }
  return JSON.stringify(o);
}

const TEXT_OUTCOME = '{"kind":"reply","reply":{"MsgType":"text","Content":"';

/** undefined for the pending marker or anything unreadable. */
export function decodeOutcome(raw: string): Outcome | undefined {
  if (raw === PENDING) return undefined;
  // What encodeOutcome writes for a text reply, read back without the JSON parser when the text has
  // no escape in it (a backslash; a quote or control character is always escaped).
  if (
    raw.length >= TEXT_OUTCOME.length + 3 &&
    raw.startsWith(TEXT_OUTCOME) &&
    raw.endsWith('"}}') &&
    raw.indexOf('\\', TEXT_OUTCOME.length) < 0
  ) {
    const content = raw.slice(TEXT_OUTCOME.length, -3);
    if (content.indexOf('"') < 0) return { kind: 'reply', reply: { MsgType: 'text', Content: content } };
  }
  try {
    const o = JSON.parse(raw) as Outcome;
    if (o && (o.kind === 'none' || o.kind === 'late' || (o.kind === 'reply' && typeof o.reply === 'object'))) return o;
  } catch {
    // fall through
  }
  return undefined;
}
