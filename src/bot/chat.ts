import type { ChatProvider } from '../providers/provider.js';
import { toReplyBody, type Context } from './context.js';
import type { Handler, HandlerResult } from './types.js';

export interface ChatOptions {
  /**
   * What to answer when the provider fails (the error is still reported to the log).
   * A string, a function, or `null` to answer `success`. Default: a short apology.
   */
  onError?: string | null | ((err: unknown, ctx: Context) => HandlerResult | Promise<HandlerResult>);
}

const SORRY = '抱歉，我暂时回答不了，请稍后再试。';

/**
 * A handler that sends what the user said (text, or a voice message's recognition text) to a chat
 * provider and replies with its answer. Messages without text are left alone (`success`).
 *
 *     bot.fallback(chat(provider))
 */
export function chat(provider: ChatProvider, options: ChatOptions = {}): Handler {
  const onError = options.onError === undefined ? SORRY : options.onError;
  return async (ctx) => {
    const input = ctx.text?.trim();
    if (!input) return undefined;
    try {
      const answer = await provider(input, {
        userId: ctx.openId,
        signal: ctx.signal,
        store: ctx.store,
        keyPrefix: ctx.keyPrefix,
        budgetMs: ctx.answerWithinMs,
      });
      // Checked here: an answer that is not a reply is the provider failing, and gets onError's answer.
      return toReplyBody(answer);
    } catch (err) {
      ctx.reportError(err);
      if (typeof onError === 'function') return onError(err, ctx);
      return onError ?? undefined;
    }
  };
}
