import { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { Context } from './context.js';
import type { Middleware } from './types.js';

/** What a chain returns when every middleware in it finished synchronously (so callers can skip awaiting). */
export const DONE: Promise<void> = Promise.resolve();

/**
 * Chains middleware Koa-style: each gets `next()` to run the rest. `terminal` runs when the last one
 * calls next. Calling next() twice would run downstream handlers twice (and reply twice), so it throws.
 */
export function compose(
  chain: readonly Middleware[],
  terminal?: Middleware,
): (ctx: Context<WechatMessage>) => Promise<void> {
  const list = terminal ? [...chain, terminal] : [...chain];
  return function run(ctx) {
    let called = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= called)
        return Promise.reject(
          new WxbotError('NEXT_CALLED_TWICE', 'next() was called more than once in one middleware'),
        );
      called = i;
      const fn = list[i];
      if (!fn) return DONE;
      try {
        // A middleware's promise is passed up as is (its value is ignored); a sync one costs no promise.
        const r = fn(ctx, () => dispatch(i + 1));
        return typeof (r as PromiseLike<unknown> | undefined)?.then === 'function' ? (r as Promise<void>) : DONE;
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return dispatch(0);
  };
}
