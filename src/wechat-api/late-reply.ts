/**
 * Late replies: a handler that missed WeChat's 5 s deadline still reaches the user through the
 * customer-service API (protocol.md §5.4, §6.3), within the windows WeChat allows. It never throws:
 * what cannot be delivered is logged (with WeChat's errcode) and dropped.
 */
import { maskOpenId } from '../config/mask.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { replyBodyProblem } from '../protocol/reply-check.js';
import type { Store } from '../store/store.js';
import { createWechatApi, type WechatApi } from './client.js';
import { customMessageFor, sendCustomMessage } from './custom-message.js';
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
  onRefused?: (message: WechatMessage, reply: ReplyBody, errcode: number) => void | Promise<void>;
}

/** Matches the serve handler's `onLateReply(message, reply)` hook. */
export type LateReplySender = (message: WechatMessage, reply: ReplyBody) => Promise<void>;

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
    const problem = replyBodyProblem(reply);
    const type = (reply as { MsgType?: unknown } | null | undefined)?.MsgType;
    const msgtype = typeof type === 'string' ? type : 'none';
    const drop = (reason: LateReplyDropReason, text: string, errcode?: number, level: LateReplyLog['level'] = 'warn') =>
      log({ level, event: 'late_reply.dropped', openid, msgtype, reason, errcode, message: text });

    if (problem !== undefined) return drop('unsupported', `not a reply (${problem}): nothing was sent`);
    const body = customMessageFor(message.FromUserName, reply);
    if (!body)
      return drop(
        'unsupported',
        `a ${msgtype} reply only works as the direct answer: the customer-service API has no such message`,
      );
    const window = replyWindowFor(message);
    if (!window) return drop('no_window', `a ${message.MsgType} message opens no customer-service window (§6.3)`);
    const left = window.closesAt - now();
    if (left <= 0) return drop('window_closed', `${window.label} closed ${Math.round(-left / 1000)} s ago`);
    const key = `wxbot:${api.tokens.appId}:cs:${message.FromUserName}:${window.id}`;
    try {
      const slot = await claimSlot(o.store, key, window.limit, left);
      if (slot === undefined) return drop('quota_used', `all ${window.limit} messages of ${window.label} are used`);
      await sendCustomMessage(api, body);
      log({
        level: 'info',
        event: 'late_reply.sent',
        openid,
        msgtype,
        message: `sent through the customer-service API, message ${slot} of ${window.limit} in ${window.label}`,
      });
    } catch (err) {
      if (err instanceof WechatApiError && err.code === 'WECHAT_ERRCODE') {
        drop('refused', err.message, err.errcode);
        if (o.onRefused && err.errcode !== undefined) await o.onRefused(message, reply, err.errcode);
        return;
      }
      return drop('failed', (err as Error).message, undefined, 'error');
    }
  };
}
