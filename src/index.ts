/**
 * wxbot: the library, grouped by audience.
 * - protocol: signatures, AES safe mode, XML messages and replies (pure, no I/O)
 * - bot: createBot, the router and middleware, the per-message context
 * - server: createHandler for node:http / Express / Koa / Fastify, startServer
 * - providers: chat providers (Tuling123, OpenAI-compatible) and their interface
 * - simulate: build WeChat's requests, send them, judge replies as WeChat would
 * - store: the key/value store behind dedupe, tokens and sessions (memory, Redis)
 * - wechat-api: access_token, customer-service messages, menus
 * - tunnel: public URL providers (ngrok, your own)
 * - history: the local record of exchanges behind `wxbot history` / `wxbot replay`
 * - config: env/.env loading and secret masking
 */
export * from './protocol/index.js';
export * from './bot/index.js';
export * from './server/index.js';
export * from './providers/index.js';
export * from './simulate/index.js';
export * from './store/index.js';
export * from './wechat-api/index.js';
export * from './tunnel/index.js';
export * from './history/index.js';
export * from './config/index.js';
export * from './testing/index.js';
