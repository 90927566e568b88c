import type { IncomingMessage, ServerResponse } from 'node:http';

/** The slice of a Koa context the adapter needs (so Koa stays an optional dependency). */
export interface KoaLikeContext {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  respond?: boolean;
  request: { rawBody?: unknown; body?: unknown };
}

/**
 * Mounts the handler in Koa: `app.use(toKoa(handler, { path: '/wechat' }))`. It sets `ctx.respond = false`
 * so Koa leaves the raw response alone; a body already read by koa-bodyparser is taken from `rawBody`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { createHandler, toKoa } from 'wxbot';
 *
 * const app = new Koa();
 * app.use(toKoa(createHandler(bot, { token: process.env.WECHAT_TOKEN! }), { path: '/wechat' }));
 * app.listen(5050);
 * ```
 */
export function toKoa(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  options: { path?: string } = {},
): (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<unknown> {
  return async (ctx, next) => {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    ctx.respond = false;
    const raw = ctx.request.rawBody;
    if ((typeof raw === 'string' || Buffer.isBuffer(raw)) && (ctx.req as { body?: unknown }).body === undefined) {
      (ctx.req as { body?: unknown }).body = raw;
    }
    await handler(ctx.req, ctx.res);
  };
}
