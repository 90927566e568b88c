import type { UserMessageType, WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import type { MediaReplies } from '../wechat-api/media-cache.js';
import { compose, DONE } from './compose.js';
import { Context, type ContextInit } from './context.js';
import { clickRoute, eventRoute, isThenable, router, setReply, textRoute, typeRoute, type Route } from './routes.js';
import type {
  ErrorHandler,
  EventName,
  EventOf,
  Handler,
  MatchHandler,
  MessageOf,
  Middleware,
  TextTrigger,
} from './types.js';

export interface BotOptions {
  /** Store for sessions (and dedupe, unless the server is given its own). Default: in-memory. */
  store?: Store;
  /** Session lifetime, renewed on every write. Default 24 h. */
  sessionTtlMs?: number;
}

export interface HandleOptions {
  store?: Store;
  /** AppID used to namespace store keys; 'default' when absent. */
  appId?: string;
  /** Aborted when the reply is no longer wanted; a source (e.g. an AbortController) is read only if a handler uses ctx.signal. */
  signal?: AbortSignal | { readonly signal: AbortSignal };
  /** Called with errors a handler reported or threw (after `bot.catch` had its chance). */
  reportError?: (err: unknown, message: WechatMessage) => void;
  /** Media ids for `ctx.replyImage({ file })` and the like (see createMediaReplies). */
  media?: MediaReplies;
  /** See Context#answerWithinMs; set by the server from its slow-reply strategy. */
  answerWithinMs?: number;
}

const NEVER = new AbortController().signal;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A bot: middleware and routes in registration order, then the fallback. The first route that
 * matches answers (unless it calls `next()`); `bot.use()` middleware wraps everything after it.
 */
export class Bot {
  // Middleware and routes in registration order; runs of routes become one router when composed.
  readonly #chain: (Middleware | Route)[] = [];
  #fallback: Middleware | undefined;
  #onError: ErrorHandler | undefined;
  #run: ((ctx: Context) => Promise<void>) | undefined;
  #store: Store | undefined;
  readonly sessionTtlMs: number;
  // The key prefix of the last AppID seen (one per bot in practice), not rebuilt per message.
  #prefixFor = '';
  #prefix = '';
  // Refilled for every message: Context copies what it needs out of it.
  readonly #init: ContextInit<WechatMessage> = {
    message: undefined as unknown as WechatMessage,
    store: undefined as unknown as Store,
    keyPrefix: '',
    sessionTtlMs: 0,
    signal: NEVER,
    report: undefined,
    media: undefined,
    answerWithinMs: undefined,
  };

  constructor(options: BotOptions = {}) {
    this.#store = options.store;
    this.sessionTtlMs = options.sessionTtlMs ?? DAY_MS;
  }

  /** The bot's own store (created in memory on first use when none was given). */
  get store(): Store {
    this.#store ??= new MemoryStore();
    return this.#store;
  }

  #add(mw: Middleware | Route): this {
    this.#chain.push(mw);
    this.#run = undefined;
    return this;
  }

  /** Middleware for every message: `(ctx, next) => { ...; await next(); ... }`. */
  use(...middleware: Middleware[]): this {
    for (const mw of middleware) this.#add(mw);
    return this;
  }

  /** Text by exact keyword (trimmed Content), one of several keywords, a RegExp (sets ctx.match) or a predicate. */
  text(trigger: RegExp, handler: MatchHandler<MessageOf<'text'>>): this;
  text(trigger: TextTrigger, handler: Handler<MessageOf<'text'>>): this;
  text(trigger: TextTrigger, handler: Handler<MessageOf<'text'>> | MatchHandler<MessageOf<'text'>>): this {
    return this.#add(textRoute(trigger, handler as Handler<never>));
  }

  /** Messages of a type: 'text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link' (or any other MsgType). */
  on<T extends UserMessageType>(type: T | readonly T[], handler: Handler<MessageOf<T>>): this;
  on(type: string | readonly string[], handler: Handler<WechatMessage>): this;
  on(type: string | readonly string[], handler: Handler<never>): this {
    return this.#add(typeRoute(type, handler as Handler));
  }

  /**
   * Events by name: 'subscribe', 'unsubscribe', 'SCAN', 'LOCATION', 'VIEW', 'scancode_push', …, or any
   * unknown event. Names match in any case: WeChat sends `SCAN` but `subscribe`, and 'scan' finds it.
   */
  event<E extends EventName>(event: E | readonly E[], handler: Handler<EventOf<E>>): this {
    return this.#add(eventRoute(event, handler as Handler));
  }

  /** Menu clicks (CLICK events) by EventKey; a RegExp sets ctx.match. */
  click(key: RegExp, handler: MatchHandler<EventOf<'CLICK'>>): this;
  click(key: string | RegExp, handler: Handler<EventOf<'CLICK'>>): this;
  click(key: string | RegExp, handler: Handler<EventOf<'CLICK'>> | MatchHandler<EventOf<'CLICK'>>): this {
    return this.#add(clickRoute(key, handler as Handler));
  }

  /** Runs for messages no route answered. Plug a chat provider with `bot.fallback(chat(provider))`. */
  fallback(handler: Handler): this {
    this.#fallback = (ctx, next) => {
      const r = handler(ctx, next);
      if (isThenable(r)) return r.then((v) => setReply(ctx, v));
      setReply(ctx, r);
      return undefined;
    };
    this.#run = undefined;
    return this;
  }

  /** Turns a handler error into a reply (e.g. an apology); without it errors are logged and `success` is sent. */
  catch(handler: ErrorHandler): this {
    this.#onError = handler;
    return this;
  }

  /** Runs one message through the bot and returns the reply (undefined = `success`). Does no dedupe. */
  async handle(message: WechatMessage, options: HandleOptions = {}): Promise<ReplyBody | undefined> {
    return this.run(message, options);
  }

  /**
   * handle() for the request path: the reply itself when every middleware and handler finished
   * synchronously (most do), so the caller awaits nothing; otherwise a promise of it.
   * `signal`, when given, stands in for options.signal (the options object can then be shared).
   */
  run(
    message: WechatMessage,
    options: HandleOptions = {},
    signal?: HandleOptions['signal'],
  ): ReplyBody | undefined | Promise<ReplyBody | undefined> {
    const appId = options.appId || 'default';
    if (appId !== this.#prefixFor) {
      this.#prefixFor = appId;
      this.#prefix = `wxbot:${appId}:`;
    }
    const init = this.#init;
    init.message = message;
    init.store = options.store ?? this.store;
    init.keyPrefix = this.#prefix;
    init.sessionTtlMs = this.sessionTtlMs;
    init.signal = signal ?? options.signal ?? NEVER;
    init.report = options.reportError;
    init.media = options.media;
    init.answerWithinMs = options.answerWithinMs;
    const ctx = new Context(init);
    init.message = undefined as unknown as WechatMessage;
    this.#run ??= compose(groupRoutes(this.#chain), this.#fallback);
    let r: Promise<void>;
    try {
      r = this.#run(ctx);
    } catch (err) {
      return this.#failed(err, ctx);
    }
    if (r === DONE) return ctx.response;
    return r.then(
      () => ctx.response,
      (err: unknown) => this.#failed(err, ctx),
    );
  }

  async #failed(err: unknown, ctx: Context): Promise<ReplyBody | undefined> {
    if (!this.#onError) throw err;
    const r = await this.#onError(err, ctx);
    if (r !== undefined && r !== null) ctx.reply(r);
    return ctx.response;
  }
}

function groupRoutes(chain: readonly (Middleware | Route)[]): Middleware[] {
  const out: Middleware[] = [];
  let run: Route[] = [];
  for (const x of chain) {
    if (typeof x === 'function') {
      if (run.length) out.push(router(run));
      run = [];
      out.push(x);
    } else run.push(x);
  }
  if (run.length) out.push(router(run));
  return out;
}

/**
 * Creates a bot. Register routes, then serve it with `createHandler(bot, options)` or `wxbot serve`.
 *
 * @example
 * ```ts
 * import { createBot, newsReply } from 'wxbot';
 *
 * export default createBot()
 *   .text(['帮助', 'help'], () => '发送任意文字，我会回复你')
 *   .text(/^复读 (.+)/, (ctx) => ctx.match[1])
 *   .event('subscribe', () => '感谢关注！')
 *   .click('ABOUT', () => newsReply([{ Title: '关于', Description: '一个 wxbot 机器人', Url: 'https://example.com' }]))
 *   .fallback((ctx) => `你说：${ctx.text ?? ''}`);
 * ```
 */
export function createBot(options?: BotOptions): Bot {
  return new Bot(options);
}
