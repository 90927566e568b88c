/**
 * Serving a bot over HTTP: `createHandler(bot, options)` is a node:http listener (mountable in
 * Express as is, in Koa through `toKoa`, in Fastify through `toFastify`); `startServer(bot, options)`
 * adds health checks and graceful shutdown.
 *
 *     const server = await startServer(bot, { token: process.env.WECHAT_TOKEN!, port: 5050 });
 *     process.on('SIGTERM', () => server.close());
 */
export { createHandler, type WechatHandler } from './handler.js';
export { buildServer, startServer, type RunningServer, type ServerOptions, type Shutdown } from './start.js';
export { toKoa, type KoaLikeContext } from './koa.js';
export {
  toFastify,
  type FastifyAdapterOptions,
  type FastifyLikeInstance,
  type FastifyLikeRequest,
  type FastifyLikeReply,
  type BodyDone,
} from './fastify.js';
export { HttpRejection } from './rejection.js';
export { parseQuery, type PushQuery } from './query.js';
export { openPush, verifyGet, type Mode, type OpenedPush, type VerifyConfig } from './verify.js';
export type { AsideStep, ErrorLog, Exchange, HandlerOptions, LogRecord, RequestLog, SlowLog } from './types.js';
