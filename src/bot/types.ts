import type {
  KnownEvent,
  KnownEventType,
  UnknownEvent,
  UserMessage,
  UserMessageType,
  WechatMessage,
} from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { Context } from './context.js';

/** What a handler may return: a string is a text reply, a ReplyBody is sent as is, nothing means `success`. */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets handlers written as `(ctx) => { ... }` type-check.
export type HandlerResult = string | ReplyBody | undefined | null | void;

export type Next = () => Promise<void>;

/** Koa/grammY-style middleware: do something, `await next()` to pass on, do something after. */
export type Middleware<M extends WechatMessage = WechatMessage> = (ctx: Context<M>, next: Next) => unknown;

/** A route handler; it may call `next()` to let later routes (and the fallback) see the message too. */
export type Handler<M extends WechatMessage = WechatMessage> = (
  ctx: Context<M>,
  next: Next,
) => HandlerResult | Promise<HandlerResult>;

/**
 * The handler of a RegExp route (`bot.text(/…/)`, `bot.click(/…/)`): its `ctx.match` is the match,
 * never undefined there, so `ctx.match[1]` type-checks under strict.
 */
export type MatchHandler<M extends WechatMessage> = (
  ctx: Context<M> & { readonly match: RegExpExecArray },
  next: Next,
) => HandlerResult | Promise<HandlerResult>;

/** Turns an error thrown by a handler into a reply (or nothing); rethrow to have it logged as a failure. */
export type ErrorHandler = (err: unknown, ctx: Context) => HandlerResult | Promise<HandlerResult>;

export type MessageOf<T extends UserMessageType> = Extract<UserMessage, { MsgType: T }>;
// Not Extract<>: ScanCodeEvent's Event is itself a union, which Extract would never match.
/** The event type whose `Event` field is `E` in any case (`bot.event()` matches names case-insensitively). */
export type KnownEventOf<E> = KnownEvent extends infer K
  ? K extends { Event: infer X extends string }
    ? Lowercase<E & string> extends Lowercase<X>
      ? K
      : never
    : never
  : never;
export type EventOf<E extends string> = E extends string
  ? Lowercase<E> extends Lowercase<KnownEventType>
    ? KnownEventOf<E>
    : UnknownEvent
  : never;
/**
 * What `bot.event()` takes: WeChat's event names ('subscribe', 'SCAN', 'CLICK', 'scancode_push', …)
 * in either case ('scan' matches WeChat's `SCAN`), or any other event's name.
 */
export type EventName = KnownEventType | Lowercase<KnownEventType> | (string & {});

/** How `bot.text()` picks a message: exact keyword(s) on the trimmed Content, a RegExp, or a predicate. */
export type TextTrigger =
  | string
  | readonly string[]
  | RegExp
  | ((text: string, ctx: Context<Extract<UserMessage, { MsgType: 'text' }>>) => boolean | Promise<boolean>);
