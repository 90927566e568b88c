import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDispatcher, type DispatchResult, type Dispatcher } from '../bot/dispatch.js';
import type { Bot } from '../bot/bot.js';
import { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { readBodyTo, type BodyTarget } from './body.js';
import { ExchangeRecord } from './exchange.js';
import { FastCipher } from './fast-cipher.js';
import { lingerOnClose } from './linger.js';
import { renderReplyOut, sealReplyFast } from './render.js';
import { pathOf, readQuery, type PushQuery, type QueryFields } from './query.js';
import { HttpRejection } from './rejection.js';
import type { HandlerOptions, LogRecord, RequestLog } from './types.js';
import { openPush, verifyGet, type Mode, type VerifyConfig } from './verify.js';

const ID_PREFIX = randomBytes(3).toString('hex');
let idSeq = 0;
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Request ids (log lines, exchanges, 404s): a random per-process prefix and a counter; unique enough for a local history. */
export const nextRequestId = () => {
  const n = idSeq++ & 0xffff;
  return ID_PREFIX + HEX2[n >> 8]! + HEX2[n & 0xff]!;
};

/**
 * @internal How startServer tells the handler the server is draining: every response from then on,
 * including those of requests already in progress, asks the client to close its connection.
 */
export const DRAIN = Symbol('wxbot drain');
export interface Drain {
  closing: boolean;
}

/**
 * @internal The handler without its promise, for startServer's own node:http server, which would
 * drop the promise anyway: `done` (optional) is called once the request is answered and logged.
 */
export const SERVE = Symbol('wxbot serve');
export type ServeRequest = (req: IncomingMessage, res: ServerResponse, done?: () => void) => void;

const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml; charset=utf-8';
const SUCCESS = 'success';

/** A node:http request listener with a handle on the bot behind it. */
export interface WechatHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  readonly dispatcher: Dispatcher;
  /** Swaps the bot without restarting (used by `wxbot serve --watch`). */
  setBot(bot: Bot): void;
  /** Resolves when every running handler, including late ones, has finished. */
  idle(): Promise<void>;
}

/** What happened to one request; only filled in when someone listens (onLog/onExchange). */
class Trace {
  mode: Mode = 'plain';
  status = 0;
  /** The raw body: bytes from the socket, or a framework's string (decoded only for the history). */
  body: string | Buffer = '';
  response = '';
  query: QueryFields | undefined = undefined;
  message: WechatMessage | undefined = undefined;
  reply: ReplyBody | undefined = undefined;
  replyXml: string | undefined = undefined;
  dedupe = false;
  late = false;
  verify = false;
  reason: string | undefined = undefined;
  error: unknown = undefined;
  constructor(public repliedAt: number) {}
}

function toErrorInfo(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { name: 'Error', message: String(err) };
}

function sendOut(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type: string,
  close: boolean,
  ascii = false,
): void {
  if (res.headersSent || res.destroyed) return;
  // A flat [name, value, ...] list: Node walks it without enumerating an object's keys.
  const length = typeof body !== 'string' || ascii ? body.length : Buffer.byteLength(body);
  res.writeHead(
    status,
    close
      ? ['content-type', type, 'content-length', length, 'connection', 'close']
      : ['content-type', type, 'content-length', length],
  );
  // A Buffer would go out as a second chunk (a writev behind a cork); as a latin1 string, which
  // keeps every byte, Node joins it to the header and writes both in one call. An ASCII string
  // goes as latin1 too: its bytes are copied, with no UTF-8 length to find and no encoding.
  if (typeof body !== 'string') res.end(body.toString('latin1'), 'latin1');
  else if (ascii) res.end(body, 'latin1');
  else res.end(body);
}

// This module's own constant, so the compiler inlines `codeAt.call` (see protocol/utf8.ts).
const codeAt = String.prototype.charCodeAt;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (codeAt.call(s, i) > 127) return false;
  return true;
}

/**
 * Builds the webhook handler: verify → read body → decrypt → parse → bot (dedupe, deadline) →
 * render → encrypt → respond. Works as a node:http listener and inside Express, Koa (toKoa) and Fastify (toFastify).
 */
export function createHandler(bot: Bot, options: HandlerOptions): WechatHandler {
  if (typeof options?.token !== 'string' || options.token === '') {
    throw new WxbotError('CONFIG', 'createHandler needs a token (the Token from the WeChat console)');
  }
  if (options.encodingAESKey && !options.appId) {
    throw new WxbotError(
      'CONFIG',
      'an EncodingAESKey needs the AppID too: the AppID is checked inside every encrypted message',
    );
  }
  const config: VerifyConfig = {
    token: options.token,
    // Built once: the key is decoded and validated here, not per request.
    cipher: options.encodingAESKey ? new FastCipher(options.encodingAESKey, options.appId!) : undefined,
    maxSkew: options.maxSkew ?? 300,
    allowPlaintext: options.allowPlaintext ?? true,
  };
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
  const { onLog, onExchange, path } = options;
  const drain = (options as { [DRAIN]?: Drain })[DRAIN];
  const send = (
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
    close = false,
    ascii = false,
  ) => sendOut(res, status, body, type, close || drain?.closing === true, ascii);
  const tracing = onLog !== undefined || onExchange !== undefined;
  const scratch = new Trace(0);

  const emit = (r: LogRecord) => {
    try {
      onLog?.(r);
    } catch {
      // a broken logger must not break replies
    }
  };
  const dispatcher = createDispatcher(bot, {
    store: options.store ?? bot.store,
    appId: options.appId,
    deadlineMs: options.deadlineMs,
    dedupeTtlMs: options.dedupeTtlMs,
    lateLimitMs: options.lateLimitMs,
    onLateReply: options.onLateReply,
    onError: onLog
      ? (err, m) =>
          emit({
            type: 'error',
            level: 'error',
            time: Date.now(),
            error: toErrorInfo(err),
            openId: m.FromUserName,
            msgType: m.MsgType,
          })
      : undefined,
  });

  function answerGet(res: ServerResponse, t: Trace, q: PushQuery, receivedAt: number): void {
    t.verify = true;
    if (q.msg_signature !== undefined) t.mode = 'safe';
    const echo = verifyGet(config, q, receivedAt);
    t.status = 200;
    t.response = echo;
    send(res, 200, echo, TEXT);
  }

  // Verify, decrypt, parse and dispatch a push; a promise only when the bot has to be waited for.
  function answerPush(
    res: ServerResponse,
    t: Trace,
    q: PushQuery,
    body: string | Buffer,
    receivedAt: number,
  ): void | Promise<void> {
    if (tracing) t.body = body;
    if (q.encrypt_type === 'aes' || q.msg_signature !== undefined) t.mode = 'safe';
    const { mode, message } = openPush(config, q, body, receivedAt);
    t.mode = mode;
    t.message = message;
    const result = dispatcher.dispatchNow(message, receivedAt);
    if (result instanceof Promise) return result.then((r) => reply(res, t, q, mode, message, r));
    reply(res, t, q, mode, message, result);
  }

  function reply(
    res: ServerResponse,
    t: Trace,
    q: PushQuery,
    mode: Mode,
    message: WechatMessage,
    result: DispatchResult,
  ): void {
    t.dedupe = result.dedupe;
    t.late = result.late;
    if (result.error !== undefined) t.error = result.error;
    let out: string | Buffer = SUCCESS;
    let type = TEXT;
    let ascii = true;
    if (result.reply) {
      const now = Date.now();
      const xml = renderReplyOut(message, result.reply, now);
      if (tracing) {
        t.reply = result.reply;
        t.repliedAt = now;
        // The history keeps the XML as text; nothing else reads it.
        if (onExchange) t.replyXml = typeof xml === 'string' ? xml : xml.toString('utf8');
      }
      type = XML;
      out =
        mode === 'plain'
          ? xml
          : sealReplyFast(config.cipher!, config.token, xml, String(Math.floor(now / 1000)), q.nonce!);
      // The envelope is base64, hex, digits and tags around the nonce (kept, or replaced by digits).
      ascii = mode !== 'plain' && isAscii(q.nonce!);
      if (onExchange)
        t.response = typeof out === 'string' ? out : mode === 'plain' ? t.replyXml! : out.toString('utf8');
    } else t.response = out;
    t.status = 200;
    send(res, 200, out, type, false, ascii);
  }

  function finish(req: IncomingMessage, t: Trace, receivedAt: number, t0: number, pathname: string): void {
    const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
    const id = nextRequestId();
    const method = req.method ?? '';
    if (t.error !== undefined && onLog) {
      emit({
        type: 'error',
        level: 'error',
        time: Date.now(),
        error: toErrorInfo(t.error),
        openId: t.message?.FromUserName,
        msgType: t.message?.MsgType,
      });
    }
    if (onLog) {
      // Built field by field (no spreads): this runs once per request when logging is on.
      const r: RequestLog = {
        type: 'request',
        level: t.status >= 500 ? 'error' : t.status >= 400 ? 'warn' : 'info',
        time: receivedAt,
        id,
        method,
        path: pathname,
        status: t.status,
        mode: t.mode,
        latencyMs,
        dedupe: t.dedupe,
        late: t.late,
      };
      if (t.verify) r.verify = true;
      if (t.message) r.message = t.message;
      if (t.reply) r.reply = t.reply;
      if (t.reason) r.reason = t.reason;
      emit(r);
    }
    if (onExchange) {
      const x = new ExchangeRecord(
        id,
        receivedAt,
        method,
        pathname,
        t.query?.present() ?? {},
        typeof t.body === 'string' ? t.body : t.body.toString('utf8'),
        t.mode,
        t.status,
        t.response,
        latencyMs,
        t.dedupe,
        t.late,
      );
      if (t.message) x.message = t.message;
      if (t.reply) x.setReply(t.reply, t.repliedAt);
      if (t.replyXml) x.replyXml = t.replyXml;
      const err = t.reason ?? (t.error !== undefined ? toErrorInfo(t.error).message : undefined);
      if (err) x.error = err;
      try {
        onExchange(x);
      } catch {
        // history is best effort
      }
    }
  }

  // Runs from request and stream events: nothing may escape it.
  function settle(
    req: IncomingMessage,
    t: Trace,
    receivedAt: number,
    t0: number,
    url: string,
    done: (() => void) | undefined,
  ): void {
    try {
      if (tracing) finish(req, t, receivedAt, t0, pathOf(url));
    } catch {
      // the log and the history are best effort
    }
    done?.();
  }

  // A rejection's status and message, anything else a 500; never throws.
  function answerError(req: IncomingMessage, res: ServerResponse, t: Trace, err: unknown): void {
    try {
      if (err instanceof HttpRejection) {
        t.status = err.status;
        t.reason = t.response = err.message;
        // A body we did not read (413/408) would otherwise be taken for the next request on the socket.
        const close = err.status === 413 || err.status === 408;
        if (close) lingerOnClose(req);
        send(res, err.status, err.message, TEXT, close);
      } else {
        t.status = 500;
        t.error = err;
        t.response = 'internal error';
        send(res, 500, t.response, TEXT);
      }
    } catch {
      // nothing left to answer with
    }
  }

  /**
   * A POST waiting for its body: what an async function's frame would hold across the wait, as
   * one object that is also the body read's target (no promise, no closure on the way).
   */
  class Push implements BodyTarget {
    constructor(
      readonly req: IncomingMessage,
      readonly res: ServerResponse,
      readonly t: Trace,
      readonly q: PushQuery,
      readonly receivedAt: number,
      readonly t0: number,
      readonly url: string,
      readonly done: (() => void) | undefined,
    ) {}

    onBody(body: string | Buffer): void {
      let waiting: void | Promise<void>;
      try {
        waiting = answerPush(this.res, this.t, this.q, body, this.receivedAt);
      } catch (err) {
        return void this.onBodyError(err as Error);
      }
      // Only a bot that went asynchronous costs these closures.
      if (waiting)
        waiting.then(
          () => this.end(),
          (err: unknown) => this.onBodyError(err as Error),
        );
      else this.end();
    }

    onBodyError(err: Error): void {
      answerError(this.req, this.res, this.t, err);
      this.end();
    }

    end(): void {
      settle(this.req, this.t, this.receivedAt, this.t0, this.url, this.done);
    }
  }

  // Called from a request event or a stream event: it must never throw.
  const serve: ServeRequest = (req, res, done) => {
    const receivedAt = Date.now();
    const t0 = tracing ? performance.now() : 0;
    const url = req.url ?? '/';
    // Without a listener nobody reads the trace: every request writes to one shared scratch copy.
    const t = tracing ? new Trace(receivedAt) : scratch;
    try {
      if (path !== undefined && pathOf(url) !== path) throw new HttpRejection(404, 'not found');
      const method = req.method;
      if (method !== 'GET' && method !== 'POST') {
        res.setHeader('allow', 'GET, POST');
        throw new HttpRejection(405, 'method not allowed: WeChat uses GET (verification) and POST (messages)');
      }
      const qi = url.indexOf('?');
      const q = readQuery(url, qi < 0 ? url.length : qi + 1);
      if (tracing) t.query = q;
      if (method === 'POST')
        return readBodyTo(req, bodyLimit, bodyTimeoutMs, new Push(req, res, t, q, receivedAt, t0, url, done));
      answerGet(res, t, q, receivedAt);
    } catch (err) {
      answerError(req, res, t, err);
    }
    settle(req, t, receivedAt, t0, url, done);
  };

  const handler = function wechatHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise<void>((resolve) => serve(req, res, resolve));
  } as WechatHandler;

  Object.defineProperty(handler, 'dispatcher', { value: dispatcher });
  Object.defineProperty(handler, SERVE, { value: serve });
  handler.setBot = (b: Bot) => dispatcher.setBot(b);
  handler.idle = () => dispatcher.idle();
  return handler;
}
