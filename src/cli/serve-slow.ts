/** How `wxbot serve` applies its slow-reply strategy (docs/guide/slow-replies.md) to late replies. */
import { refusesCustomService, SlowReplies } from '../bot/slow-reply.js';
import type { Env } from '../config/env.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { HandlerOptions, LogRecord } from '../server/types.js';
import type { Store } from '../store/store.js';
import type { ServeSettings } from './serve-settings.js';

/**
 * WeChat refused a late answer through the customer-service API (48001: an unverified account):
 * the answer becomes the user's pending answer, and slow messages use the retry window from now on.
 */
export function keepRefusedAnswer(slow: SlowReplies, log: (r: LogRecord) => void) {
  return async (message: WechatMessage, reply: ReplyBody, errcode: number): Promise<string | undefined> => {
    if (!refusesCustomService(errcode)) return undefined;
    await slow.switchToRetryWindow();
    await slow.storePending(message, reply);
    log({ type: 'slow', level: 'info', time: Date.now(), event: 'pending.stored', message, reply });
    return "the answer is kept for the user's next message, and slow messages use the retry window from now on";
  };
}

/**
 * The slow-reply state in the store, and with `custom-service` (WECHAT_APP_ID + WECHAT_APP_SECRET) the
 * sender of answers that missed the deadline. Dropped replies join the request log with WeChat's
 * errcode; deliveries are a diagnostic on stderr.
 */
export async function lateReplies(
  s: ServeSettings,
  store: Store,
  env: Env,
  onLog: (r: LogRecord) => void,
  stderr: NodeJS.WritableStream,
): Promise<{ slow: SlowReplies; onLateReply: HandlerOptions['onLateReply'] }> {
  const slow = new SlowReplies(store, s.appId, s.slow);
  if (!s.appId || !s.appSecret || s.slow.strategy !== 'custom-service') return { slow, onLateReply: undefined };
  const { createLateReplySender } = await import('../wechat-api/late-reply.js');
  const onLateReply = createLateReplySender({
    appId: s.appId,
    appSecret: s.appSecret,
    store,
    apiBase: env.WECHAT_API_BASE,
    onRefused: keepRefusedAnswer(slow, onLog),
    onLog: (e) => {
      if (e.event === 'late_reply.sent') stderr.write(`wxbot: late ${e.msgtype} reply to ${e.openid} ${e.message}\n`);
      else
        onLog({
          type: 'error',
          level: 'error',
          time: Date.now(),
          openId: e.openid,
          msgType: e.msgtype,
          error: {
            name: 'LateReply',
            code: e.errcode === undefined ? e.reason : `${e.reason} ${e.errcode}`,
            message: `late reply dropped: ${e.message}`,
          },
        });
    },
  });
  return { slow, onLateReply };
}
