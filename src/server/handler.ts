import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../bot/dispatch.js';
import type { Bot } from '../bot/bot.js';
import { type Drain, HandlerSettings } from './handler-settings.js';
import type { Exchange, HandlerOptions } from './types.js';
import { WebhookRequest } from './webhook-request.js';

/** A node:http request listener with a handle on the bot behind it. */
export interface WechatHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  readonly dispatcher: Dispatcher;
  /** Swaps the bot without restarting (used by `wxbot serve --watch`). */
  setBot(bot: Bot): void;
  /** Resolves when every running handler, including late ones, has finished. */
  idle(): Promise<void>;
  /**
   * Replaces `onExchange` at run time (undefined: none). `wxbot serve --ui` attaches its inspector
   * only while a page is open, so a server nobody watches does no per-request work for it.
   */
  setOnExchange(onExchange: ((exchange: Exchange) => void) | undefined): void;
}

/** The handler without its promise: `done` (optional) is called once the request is answered and recorded. */
export type ServeRequest = (req: IncomingMessage, res: ServerResponse, done?: () => void) => void;

/**
 * Builds the webhook handler. A request goes through the steps of WebhookRequest (webhook-request.ts):
 * route → verify (GET) | read body → open push (verify, decrypt, parse) → dispatch (bot, dedupe,
 * deadline) → render (and seal) → respond → record. Works as a node:http listener and inside Express,
 * Koa (toKoa) and Fastify (toFastify).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import express from 'express';
 * import { createBot, createHandler } from 'wxbot';
 *
 * const bot = createBot().text('hi', () => 'hello');
 * const handler = createHandler(bot, {
 *   token: process.env.WECHAT_TOKEN!,
 *   encodingAESKey: process.env.WECHAT_AES_KEY, // compatible or safe mode
 *   appId: process.env.WECHAT_APP_ID,
 * });
 * createServer(handler).listen(5050); // plain node:http
 * express().all('/wechat', handler).listen(5051); // or Express, mounted before any body parser
 * ```
 */
export function createHandler(bot: Bot, options: HandlerOptions): WechatHandler {
  return createWebhook(bot, options).handler;
}

/**
 * @internal createHandler for startServer's own node:http server: also the listener without the
 * promise (which that server would drop), and the server's drain flag.
 */
export function createWebhook(
  bot: Bot,
  options: HandlerOptions,
  drain?: Drain,
): { handler: WechatHandler; serve: ServeRequest } {
  const s = new HandlerSettings(bot, options, drain);
  const serve: ServeRequest = (req, res, done) => new WebhookRequest(s, req, res, done).start();
  const handler = function wechatHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => serve(req, res, resolve));
  } as WechatHandler;
  Object.defineProperty(handler, 'dispatcher', { value: s.dispatcher });
  handler.setBot = (b: Bot) => s.dispatcher.setBot(b);
  handler.idle = () => s.dispatcher.idle();
  handler.setOnExchange = (hook) => s.setOnExchange(hook);
  return { handler, serve };
}
