/** How `wxbot serve` applies its slow-reply strategy (docs/guide/slow-replies.md) to the provider and late replies. */
import { DEFAULT_SLOW_LIMIT_MS, refusesCustomService, type SlowReplies } from '../bot/slow-reply.js';
import type { Env } from '../config/env.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { LogRecord } from '../server/types.js';
import type { ServeSettings } from './serve-settings.js';

/**
 * The chat provider's budget: an answer that can still reach the user (retry window, customer-service
 * API) may take up to the slow limit; with `off` it must fit the deadline (the provider's 3.5 s).
 * WXBOT_CHAT_BUDGET_MS, when set, wins either way.
 */
export function chatBudgetMs(s: ServeSettings, env: Env): number | undefined {
  if (env.WXBOT_CHAT_BUDGET_MS !== undefined && env.WXBOT_CHAT_BUDGET_MS !== '') return undefined;
  return s.slow.strategy === 'off' ? undefined : (s.slow.limitMs ?? DEFAULT_SLOW_LIMIT_MS);
}

/**
 * WeChat refused a late answer through the customer-service API (48001: an unverified account):
 * the answer becomes the user's pending answer, and slow messages use the retry window from now on.
 */
export function keepRefusedAnswer(slow: SlowReplies, log: (r: LogRecord) => void) {
  return async (message: WechatMessage, reply: ReplyBody, errcode: number): Promise<void> => {
    if (!refusesCustomService(errcode)) return;
    await slow.switchToRetryWindow();
    await slow.storePending(message, reply);
    log({ type: 'slow', level: 'info', time: Date.now(), event: 'pending.stored', message, reply });
  };
}
