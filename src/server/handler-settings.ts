import { createDispatcher, type Dispatcher } from '../bot/dispatch.js';
import type { Bot } from '../bot/bot.js';
import { SlowReplies } from '../bot/slow-reply.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { Store } from '../store/store.js';
import { ExchangeRecord } from './exchange.js';
import { WxbotError } from '../protocol/errors.js';
import { FastCipher } from './fast-cipher.js';
import { ReplayGuard } from './replay-guard.js';
import { checkWebhookPath } from './webhook-path.js';
import { toErrorInfo } from './record.js';
import { renderReplyOut } from './render.js';
import { nextRequestId } from './request-id.js';
import type { LateReplyResult } from '../wechat-api/late-reply.js';
import type { AsideStep, Exchange, HandlerOptions, LogRecord } from './types.js';
import type { Mode, VerifyConfig } from './verify.js';

/** How startServer tells the handler the server is draining (see HandlerSettings.drain). */
export interface Drain {
  closing: boolean;
}

/**
 * What every request of one handler shares, built once from its options: the account's settings,
 * the dispatcher in front of the bot, the limits and the listeners. Requests read it; nothing here
 * changes per request.
 */
export class HandlerSettings {
  readonly config: VerifyConfig;
  readonly dispatcher: Dispatcher;
  /** Plaintext replay protection (undefined when turned off): see ReplayGuard. */
  readonly replayGuard: ReplayGuard | undefined;
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  /** Only this path is answered (404 for others); undefined: any path. */
  readonly path: string | undefined;
  readonly onLog: ((r: LogRecord) => void) | undefined;
  /** Replaced at run time by the handler's setOnExchange. */
  onExchange: ((x: Exchange) => void) | undefined;
  /** Someone listens (onLog/onExchange): only then is a request timed and recorded. */
  tracing: boolean;
  /**
   * Set by startServer: once `closing`, every response, those of requests already in progress
   * included, asks the client to close its connection.
   */
  readonly drain: Drain | undefined;
  /** The bot's answer can leave a request another way (kept for the next message, or sent late). */
  readonly asides: boolean;
  /**
   * How each message that may get such an answer came in (its request's mode and path), so that
   * answer's own history entry says the same: noted only while a history is recorded.
   */
  readonly #origins = new WeakMap<WechatMessage, { mode: Mode; path: string }>();

  constructor(bot: Bot, options: HandlerOptions, drain: Drain | undefined) {
    if (typeof options?.token !== 'string' || options.token === '') {
      throw new WxbotError('CONFIG', 'createHandler needs a token (the Token from the WeChat console)');
    }
    if (options.encodingAESKey && !options.appId) {
      throw new WxbotError(
        'CONFIG',
        'an EncodingAESKey needs the AppID too: the AppID is checked inside every encrypted message',
      );
    }
    if (options.path !== undefined) checkWebhookPath(options.path);
    this.config = {
      token: options.token,
      // Built once: the key is decoded and validated here, not per request.
      cipher: options.encodingAESKey ? new FastCipher(options.encodingAESKey, options.appId!) : undefined,
      maxSkew: options.maxSkew ?? 300,
      allowPlaintext: options.allowPlaintext ?? true,
    };
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
    this.path = options.path;
    this.onLog = options.onLog;
    this.onExchange = undefined;
    this.tracing = false;
    this.setOnExchange(options.onExchange);
    this.drain = drain;
    const store = options.store ?? bot.store;
    this.replayGuard =
      options.replayProtection === false ? undefined : new ReplayGuard(store, options.appId, this.config.maxSkew);
    const slow = slowRepliesOf(options, store);
    this.asides = slow !== undefined || options.onLateReply !== undefined;
    this.dispatcher = createDispatcher(bot, {
      store,
      leaseMs: options.claimLeaseMs,
      slow,
      onPendingStored: slow && this.tracing ? (m, r) => this.recordPending(m, r) : undefined,
      appId: options.appId,
      deadlineMs: options.deadlineMs,
      dedupeTtlMs: options.dedupeTtlMs,
      lateLimitMs: options.lateLimitMs,
      onLateReply: lateHook(options.onLateReply, (m, r, result) => this.recordLateReply(m, r, result)),
      media: options.media,
      onError: this.onLog
        ? (err, m) =>
            this.emit({
              type: 'error',
              level: 'error',
              time: Date.now(),
              error: toErrorInfo(err),
              openId: m.FromUserName,
              msgType: m.MsgType,
            })
        : undefined,
    });
  }

  /** An answer nobody received, kept for the user's next message: a log line and a history entry of its own. */
  recordPending(message: WechatMessage, body: ReplyBody): void {
    this.emit({ type: 'slow', level: 'info', time: Date.now(), event: 'pending.stored', message, reply: body });
    this.#recordAside(message, body, 'stored');
  }

  /** A late answer sent (or not) through the customer-service API: an exchange of its own for the history and the UI. */
  recordLateReply(message: WechatMessage, body: ReplyBody, result: LateReplyResult): void {
    this.#recordAside(message, body, 'custom-service', result);
  }

  /**
   * An exchange that is no request (nothing arrived; status 0): the bot's answer to `message`, which
   * left the request another way. The history and the web UI show it as its own entry.
   */
  #recordAside(message: WechatMessage, body: ReplyBody, step: AsideStep, result?: LateReplyResult): void {
    if (!this.onExchange) return;
    const now = Date.now();
    const origin = this.#origins.get(message);
    const x = new ExchangeRecord(
      nextRequestId(),
      now,
      'POST',
      origin?.path ?? this.path ?? '/',
      {},
      '',
      origin?.mode ?? 'plain',
      0,
      '',
      0,
      false,
      false,
    );
    x.message = message;
    x.setReply(body, now);
    x.replyXml = replyXmlOf(message, body, now);
    x.slow = step;
    x.customService = result;
    try {
      this.onExchange(x);
    } catch {
      // the history is best effort
    }
  }

  /** Notes how `message` came in, for an answer to it recorded aside (see #origins). */
  noteOrigin(message: WechatMessage, mode: Mode, path: string): void {
    this.#origins.set(message, { mode, path });
  }

  /** Hands a record to onLog: a broken logger must not break replies. */
  emit(r: LogRecord): void {
    try {
      this.onLog?.(r);
    } catch {
      // the log is best effort
    }
  }

  setOnExchange(onExchange: ((x: Exchange) => void) | undefined): void {
    this.onExchange = onExchange;
    this.tracing = this.onLog !== undefined || onExchange !== undefined;
  }
}

/** The answer as reply XML; none for one that cannot be written (a late answer the sender refused as no reply). */
function replyXmlOf(message: WechatMessage, body: ReplyBody, now: number): string | undefined {
  try {
    const xml = renderReplyOut(message, body, now);
    return typeof xml === 'string' ? xml : xml.toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The dispatcher's late-reply hook: the caller's, whose result (what became of the answer, as
 * createLateReplySender returns it) is handed to `record`. A hook that returns nothing, or something
 * else (its own `{ sent: true }`), records nothing: the history and the UI would say "sent to undefined".
 */
function lateHook(
  hook: HandlerOptions['onLateReply'],
  record: (message: WechatMessage, body: ReplyBody, result: LateReplyResult) => void,
): ((message: WechatMessage, body: ReplyBody) => Promise<void>) | undefined {
  if (!hook) return undefined;
  return async (message, body) => {
    const result = await hook(message, body);
    if (isLateReplyResult(result)) record(message, body, result);
  };
}

function isLateReplyResult(r: unknown): r is LateReplyResult {
  const o = r as Partial<LateReplyResult> | null | undefined;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.sent === 'boolean' &&
    typeof o.openid === 'string' &&
    typeof o.api === 'string' &&
    typeof o.message === 'string'
  );
}

/**
 * The handler's slow-reply strategy: none (today's `success`) unless the options ask for one.
 * `custom-service` sends late answers through onLateReply: without it they would be dropped in
 * silence, so it is refused (as `wxbot serve` refuses it without the account).
 */
function slowRepliesOf(options: HandlerOptions, store: Store): SlowReplies | undefined {
  const o = options.slowReplies;
  if (o === undefined) return undefined;
  if (o.strategy === 'custom-service' && !options.onLateReply) {
    throw new WxbotError(
      'CONFIG',
      "slowReplies custom-service sends late answers through onLateReply, and none is given: pass onLateReply: createLateReplySender({ appId, appSecret, store }), or use strategy 'retry-window' (no AppSecret needed)",
    );
  }
  return o instanceof SlowReplies ? o : new SlowReplies(store, options.appId, o);
}
