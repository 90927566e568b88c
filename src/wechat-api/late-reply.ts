/**
 * Late replies: a handler that missed WeChat's 5 s deadline still reaches the user through the
 * customer-service API (protocol.md §5.4, §6.3), within the windows WeChat allows. It never throws:
 * what cannot be delivered is logged (with WeChat's errcode) and dropped, and the sender returns
 * what became of the answer, which the handler records (history, web UI).
 */
import { maskOpenId } from '../config/mask.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { replyBodyProblem } from '../protocol/reply-check.js';
import type { Store } from '../store/store.js';
import { createWechatApi, type WechatApi } from './client.js';
import { CUSTOM_SEND_API, type CustomMessage, customMessageFor, sendCustomMessage } from './custom-message.js';
import { WechatApiError } from './errors.js';
import { claimSlot } from './quota.js';
import { replyWindowFor } from './reply-window.js';

export type LateReplyDropReason = 'no_window' | 'window_closed' | 'quota_used' | 'unsupported' | 'refused' | 'failed';

export interface LateReplyLog {
  level: 'info' | 'warn' | 'error';
  event: 'late_reply.sent' | 'late_reply.dropped';
  /** Masked OpenID. */
  openid: string;
  msgtype: string;
  reason?: LateReplyDropReason;
  errcode?: number;
  message: string;
}

/** What became of one late answer: the sender's result, which `createHandler` records as an exchange. */
export interface LateReplyResult {
  /** WeChat accepted it (errcode 0). */
  sent: boolean;
  /** Masked OpenID of the user it was for. */
  openid: string;
  msgtype: string;
  /** The API it went to (never with its access_token). */
  api: string;
  /** The customer-service message, its `touser` masked; undefined when the reply has none. */
  request?: CustomMessage;
  /** WeChat's answer; undefined when it never reached WeChat (dropped here, or the network failed). */
  response?: { errcode: number; errmsg: string };
  reason?: LateReplyDropReason;
  /** What happened; for a refusal, what the errcode means and what to do. */
  message: string;
  /** For a refusal: what to do (or what wxbot did with the answer), in a few words. */
  hint?: string;
}

/** What to do when WeChat refuses a late answer, for the errcodes this API answers. */
const REFUSAL_HINTS: Readonly<Record<number, string>> = {
  40003:
    "WeChat delivers only to a follower of this account: a made-up OpenID (wxbot ui, wxbot simulate) is nobody's, a real follower's message gets through",
  43004: 'the user unfollowed: nothing can reach them until they follow again',
  45015: 'the window opened by the user closed (48 hours after their last message): answer when they write again',
  45047: "this window's messages are used up: the user's next message opens a new window",
  48001:
    'this account may not use the customer-service API (an unverified account): verify it, or use --slow-replies retry-window',
};

export interface LateReplyOptions {
  appId: string;
  appSecret: string;
  /** Holds the access_token and the per-window counts; share it (Redis) across replicas. */
  store: Store;
  apiBase?: string;
  timeoutMs?: number;
  onLog?: (entry: LateReplyLog) => void;
  /** Reuse a client (and its token manager) instead of building one from appId/appSecret. */
  api?: WechatApi;
  now?: () => number;
  /**
   * WeChat refused the send with an errcode (e.g. 48001: the account has no customer-service API):
   * the caller may keep the answer another way (serve makes it the user's pending answer).
   */
  /** It may resolve to what became of the answer (e.g. `kept for the user's next message`): the result says so. */
  onRefused?: (message: WechatMessage, reply: ReplyBody, errcode: number) => unknown;
}

/** Matches the serve handler's `onLateReply(message, reply)` hook. */
export type LateReplySender = (message: WechatMessage, reply: ReplyBody) => Promise<LateReplyResult>;

export function createLateReplySender(o: LateReplyOptions): LateReplySender {
  const api =
    o.api ??
    createWechatApi({
      appId: o.appId,
      appSecret: o.appSecret,
      store: o.store,
      apiBase: o.apiBase,
      timeoutMs: o.timeoutMs,
    });
  const now = o.now ?? Date.now;
  const log = o.onLog ?? (() => {});

  return async (message, reply) => {
    const openid = maskOpenId(message.FromUserName ?? '');
    const type = (reply as { MsgType?: unknown } | null | undefined)?.MsgType;
    const base = { openid, msgtype: typeof type === 'string' ? type : 'none', api: CUSTOM_SEND_API };
    const problem = replyBodyProblem(reply);
    let request: CustomMessage | undefined;
    const drop = (
      reason: LateReplyDropReason,
      text: string,
      level: LateReplyLog['level'] = 'warn',
      errcode?: number,
    ) => {
      log({ level, event: 'late_reply.dropped', openid, msgtype: base.msgtype, reason, errcode, message: text });
      return { ...base, sent: false, request, reason, message: text };
    };

    if (problem !== undefined) return drop('unsupported', `not a reply (${problem}): nothing was sent`);
    const body = customMessageFor(message.FromUserName, reply);
    if (!body)
      return drop(
        'unsupported',
        `a ${base.msgtype} reply only works as the direct answer: the customer-service API has no such message`,
      );
    request = { ...body, touser: openid };
    const window = replyWindowFor(message);
    if (!window) return drop('no_window', `a ${message.MsgType} message opens no customer-service window (§6.3)`);
    const left = window.closesAt - now();
    if (left <= 0) return drop('window_closed', `${window.label} closed ${Math.round(-left / 1000)} s ago`);
    const key = `wxbot:${api.tokens.appId}:cs:${message.FromUserName}:${window.id}`;
    try {
      const slot = await claimSlot(o.store, key, window.limit, left);
      if (slot === undefined) return drop('quota_used', `all ${window.limit} messages of ${window.label} are used`);
      await sendCustomMessage(api, body);
      const text = `sent through the customer-service API, message ${slot} of ${window.limit} in ${window.label}`;
      log({ level: 'info', event: 'late_reply.sent', openid, msgtype: base.msgtype, message: text });
      return { ...base, sent: true, request, response: { errcode: 0, errmsg: 'ok' }, message: text };
    } catch (err) {
      if (!(err instanceof WechatApiError && err.code === 'WECHAT_ERRCODE' && err.errcode !== undefined))
        return drop('failed', (err as Error).message, 'error');
      const errcode = err.errcode;
      const result = drop('refused', err.message, 'warn', errcode);
      const kept = o.onRefused ? await o.onRefused(message, reply, errcode) : undefined;
      const hint = (typeof kept === 'string' && kept) || REFUSAL_HINTS[errcode];
      return {
        ...result,
        api: err.api ?? CUSTOM_SEND_API,
        response: { errcode, errmsg: err.errmsg ?? '' },
        message: hint ? `${err.message}; ${hint}` : err.message,
        hint,
      };
    }
  };
}
