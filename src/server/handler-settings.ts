import { createDispatcher, type Dispatcher } from '../bot/dispatch.js';
import type { Bot } from '../bot/bot.js';
import { WxbotError } from '../protocol/errors.js';
import { FastCipher } from './fast-cipher.js';
import { toErrorInfo } from './record.js';
import type { Exchange, HandlerOptions, LogRecord } from './types.js';
import type { VerifyConfig } from './verify.js';

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
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  /** Only this path is answered (404 for others); undefined: any path. */
  readonly path: string | undefined;
  readonly onLog: ((r: LogRecord) => void) | undefined;
  readonly onExchange: ((x: Exchange) => void) | undefined;
  /** Someone listens (onLog/onExchange): only then is a request timed and recorded. */
  readonly tracing: boolean;
  /**
   * Set by startServer: once `closing`, every response, those of requests already in progress
   * included, asks the client to close its connection.
   */
  readonly drain: Drain | undefined;

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
    this.onExchange = options.onExchange;
    this.tracing = this.onLog !== undefined || this.onExchange !== undefined;
    this.drain = drain;
    this.dispatcher = createDispatcher(bot, {
      store: options.store ?? bot.store,
      appId: options.appId,
      deadlineMs: options.deadlineMs,
      dedupeTtlMs: options.dedupeTtlMs,
      lateLimitMs: options.lateLimitMs,
      onLateReply: options.onLateReply,
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

  /** Hands a record to onLog: a broken logger must not break replies. */
  emit(r: LogRecord): void {
    try {
      this.onLog?.(r);
    } catch {
      // the log is best effort
    }
  }
}
