import type { WechatMessage } from '../protocol/messages.js';
import { parseMessage } from '../protocol/parse.js';
import { parseReply } from '../protocol/replies.js';
import { WxbotError } from '../protocol/errors.js';
import { newMsgId, unixSeconds } from '../simulate/ids.js';
import type { SimulateMode } from '../simulate/push.js';
import { sendMessage, type SimulateResult } from '../simulate/send.js';
import { verifyUrl, type VerifyUrlResult } from '../simulate/verify.js';
import type { HistoryEntry } from './entry.js';

export class ReplayError extends WxbotError {
  constructor(code: 'REPLAY_UNREADABLE' | 'REPLAY_NO_URL' | 'REPLAY_NOT_A_REQUEST', message: string) {
    super(code, message);
    this.name = 'ReplayError';
  }
}

export interface ReplayOptions {
  /** Where to send; default the server recorded with the entry plus its path. */
  url?: string;
  token: string;
  aesKey?: string;
  appId?: string;
  /** Default: the mode the entry came in with. */
  mode?: SimulateMode;
  /** Keep MsgId/CreateTime as recorded, to watch the server's retry dedupe instead of re-running the bot. */
  sameIds?: boolean;
  /** Deadline per delivery (three at most, like WeChat); default 5 s. */
  timeoutMs?: number;
}

export interface ReplayOutcome {
  entry: HistoryEntry;
  url: string;
  mode: SimulateMode | 'verify';
  /** What was sent (fresh ids unless sameIds). */
  message: WechatMessage | null;
  result: SimulateResult | VerifyUrlResult;
  /** The recorded reply and the new one, each as reply fields without the To/From/CreateTime header, or an ack. */
  before: unknown;
  after: unknown;
  same: boolean;
}

/**
 * An entry that records an answer, not a request: one kept for the user's next message (`stored`) or
 * sent through the customer-service API (`custom-service`). Its message is the one it answers.
 */
export function isAnswerOnly(e: HistoryEntry): boolean {
  return e.slow === 'stored' || e.slow === 'custom-service';
}

/** The request whose message an answer-only entry answers: the newest earlier entry with the same message. */
export function requestAnswered(entries: readonly HistoryEntry[], answer: HistoryEntry): HistoryEntry | undefined {
  const same = JSON.stringify(answer.message);
  return entries.findLast((e) => e.id < answer.id && !isAnswerOnly(e) && JSON.stringify(e.message) === same);
}

/** Why an answer-only entry cannot be re-sent, and which one to re-send instead. */
export function answerOnlyProblem(e: HistoryEntry, request: HistoryEntry | undefined): string {
  const what = e.slow === 'stored' ? "kept for the user's next message" : 'sent later through the customer-service API';
  const instead = request
    ? `\`wxbot replay ${request.id}\` sends that message again`
    : 'replay the entry of that message (`wxbot history` lists it before this one)';
  return `entry ${e.id} is no request: it records the bot's late answer to a message, ${what}; ${instead}`;
}

/** The target URL: explicit, else where the recording server listened. */
export function replayUrl(entry: HistoryEntry, url?: string): string {
  if (url) return url;
  if (!entry.server) {
    throw new ReplayError(
      'REPLAY_NO_URL',
      `entry ${entry.id} does not say where its server listened; pass --url http://127.0.0.1:PORT${entry.path}`,
    );
  }
  return `${entry.server}${entry.path}`;
}

const HEADER_FIELDS = ['ToUserName', 'FromUserName', 'MsgType'] as const;

/** What is wrong with a recorded message for sending it again, naming the field; undefined when nothing is. */
export function messageProblem(m: Record<string, unknown>): string | undefined {
  for (const k of HEADER_FIELDS) {
    const v = m[k];
    if (typeof v !== 'string' || v === '')
      return `"message.${k}" is ${v === undefined ? 'missing' : 'not a non-empty string'}`;
  }
  const time = m.CreateTime;
  if (!(typeof time === 'number' || (typeof time === 'string' && /^\d+$/.test(time))))
    return `"message.CreateTime" is ${time === undefined ? 'missing' : 'not a number of seconds'}`;
  for (const [k, v] of Object.entries(m)) {
    if (!/^[A-Za-z_][\w.-]*$/.test(k))
      return `the message has a field named ${JSON.stringify(k)}, which is not an XML name`;
    if (v === null || (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'object'))
      return `"message.${k}" is ${v === null ? 'null' : `a ${typeof v}`}, not text`;
  }
  return undefined;
}

function messageOf(entry: HistoryEntry): WechatMessage {
  if (entry.message) {
    const problem = messageProblem(entry.message as unknown as Record<string, unknown>);
    if (problem) throw new ReplayError('REPLAY_UNREADABLE', `entry ${entry.id} cannot be replayed: ${problem}`);
    return entry.message;
  }
  // A rejected plaintext push (bad signature, skewed clock) still has its message in the body.
  try {
    if (entry.body.trim().startsWith('<') && !entry.body.includes('<Encrypt>')) {
      const m = parseMessage(entry.body);
      if (!messageProblem(m as unknown as Record<string, unknown>)) return m;
    }
  } catch {
    // fall through
  }
  throw new ReplayError(
    'REPLAY_UNREADABLE',
    `entry ${entry.id} has no readable message${entry.error ? ` (the server said: ${entry.error})` : ''}`,
  );
}

/** Ids that make the server treat it as a new message: dedupe keys on MsgId, or From+CreateTime+Event for events. */
export function withFreshIds(m: WechatMessage, now = Date.now()): WechatMessage {
  const copy = { ...m, CreateTime: unixSeconds(now) } as WechatMessage & { MsgId?: string };
  if (typeof copy.MsgId === 'string') copy.MsgId = newMsgId();
  return copy;
}

/** A reply for comparison: the fields that carry meaning, or the ack string itself. */
export function replyShape(reply: string | null): unknown {
  if (reply === null) return null;
  const t = reply.trim();
  if (!t.startsWith('<')) return reply;
  try {
    const { ToUserName: _t, FromUserName: _f, CreateTime: _c, ...body } = parseReply(t);
    return JSON.parse(JSON.stringify(body));
  } catch {
    return reply;
  }
}

function shapeOfResult(r: SimulateResult): unknown {
  if (r.reply) {
    const { ToUserName: _t, FromUserName: _f, CreateTime: _c, ...body } = r.reply;
    return JSON.parse(JSON.stringify(body));
  }
  return r.ack ?? r.raw;
}

function sameShape(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Re-sends a recorded exchange as WeChat would send it now: fresh timestamp and nonce, signed
 * again, re-encrypted in compat/safe mode with the local key; and compares the new reply with the old.
 */
export async function replayEntry(entry: HistoryEntry, o: ReplayOptions): Promise<ReplayOutcome> {
  if (isAnswerOnly(entry)) throw new ReplayError('REPLAY_NOT_A_REQUEST', answerOnlyProblem(entry, undefined));
  const url = replayUrl(entry, o.url);
  if (entry.mode === 'verify') {
    const result = await verifyUrl({ url, token: o.token, timeoutMs: o.timeoutMs, probeBadSignature: false });
    // A fresh echostr is sent, so "same" means: echoed exactly, as before.
    const before = entry.status === 200 ? 'echo' : `HTTP ${entry.status}`;
    const after = result.ok ? 'echo' : `HTTP ${result.status ?? 'no answer'}`;
    return { entry, url, mode: 'verify', message: null, result, before, after, same: before === after };
  }
  const original = messageOf(entry);
  const message = o.sameIds ? original : withFreshIds(original);
  const mode = o.mode ?? (entry.mode === 'compat' || entry.mode === 'safe' ? entry.mode : 'plain');
  const result = await sendMessage({
    url,
    message,
    timeoutMs: o.timeoutMs,
    settings: { token: o.token, mode, aesKey: o.aesKey, appId: o.appId },
    // Delivered again when unanswered, as WeChat does: a slow answer the server gives on a later
    // delivery is what was recorded, and what the user would get now.
    retry: true,
  });
  const before = replyShape(entry.reply);
  const after = shapeOfResult(result);
  return { entry, url, mode, message, result, before, after, same: sameShape(before, after) };
}
