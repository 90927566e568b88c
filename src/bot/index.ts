/**
 * Bots: `createBot()` with a router (text keywords/RegExp/predicates, message types, events, menu
 * clicks, a fallback) and Koa-style middleware; `chat(provider)` plugs a chat provider in as a handler.
 *
 *     const bot = createBot()
 *       .text(['帮助', 'help'], () => '发送任意文字，我会回复你')
 *       .event('subscribe', () => '感谢关注！')
 *       .fallback(chat(provider));
 */
export { Bot, createBot, type BotOptions, type HandleOptions } from './bot.js';
export { Context, toReplyBody, type ContextInit, type MusicSource, type VideoSource } from './context.js';
export { Session, SESSION_MAX_BYTES } from './session.js';
export { compose } from './compose.js';
export { chat, type ChatOptions } from './chat.js';
export { Dispatcher, createDispatcher, type DispatcherOptions, type DispatchResult } from './dispatch.js';
export { dedupeId, dedupeKey, type Outcome } from './dedupe.js';
export { createDemoBot, type DemoBotOptions } from './demo.js';
export type {
  ErrorHandler,
  EventName,
  EventOf,
  Handler,
  HandlerResult,
  KnownEventOf,
  MatchHandler,
  MessageOf,
  Middleware,
  Next,
  TextTrigger,
} from './types.js';
export {
  chooseSlowStrategy,
  DEFAULT_WAITING_TEXT,
  refusesCustomService,
  SLOW_REPLY_CHOICES,
  SlowReplies,
  type SlowAnswer,
  type SlowReplyOptions,
  type SlowRepliesChoice,
  type SlowStep,
  type SlowStrategy,
  type WaitForOutcome,
} from './slow-reply.js';
