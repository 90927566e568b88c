import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DispatchResult } from '../bot/dispatch.js';
import type { SlowStep } from '../bot/slow-reply.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { readBodyTo, type BodyTarget } from './body.js';
import { messageBoundsProblem } from './bounds.js';
import type { HandlerSettings } from './handler-settings.js';
import { lingerOnClose } from './linger.js';
import { pathOf, readQuery, type QueryFields } from './query.js';
import { recordRequest } from './record.js';
import { HttpRejection } from './rejection.js';
import { renderReplyOut, sealReplyFast } from './render.js';
import { isAscii, sendOut, TEXT, XML } from './respond.js';
import { openPush, verifyGet, type Mode } from './verify.js';

const SUCCESS = 'success';

/**
 * One request to the webhook, from its arrival to its record, as steps that run in this order:
 *
 *     start: route (path, method, query)
 *       GET  → verifyUrl ───────────────────────────────────→ respond → end (record)
 *       POST → readBody … onBody: openPush → guardReplay → dispatch → render → respond → end (record)
 *     a step that throws → answerError → respond → end (record)
 *
 * The object holds what an async function's frame would hold across the two waits (the body, and a
 * bot that goes asynchronous) and is itself the body read's target, so a request costs this one
 * object: no promise, and no closure unless the bot returned a promise. Its other fields are what
 * the record step writes to the log and the history (read only when someone listens).
 */
export class WebhookRequest implements BodyTarget {
  readonly receivedAt = Date.now();
  /** performance.now() at arrival, for the latency; only taken when someone listens. */
  readonly t0: number;
  readonly url: string;
  query: QueryFields | undefined = undefined;
  mode: Mode = 'plain';
  /** The raw body: bytes from the socket, or a framework's string (kept only when someone listens). */
  body: string | Buffer = '';
  message: WechatMessage | undefined = undefined;
  status = 0;
  /** The response body as text (kept for the history). */
  response = '';
  reply: ReplyBody | undefined = undefined;
  replyXml: string | undefined = undefined;
  repliedAt = 0;
  dedupe = false;
  late = false;
  /** The retry window's step for this delivery, and which delivery it was (docs/guide/slow-replies.md). */
  slow: SlowStep | undefined = undefined;
  delivery: number | undefined = undefined;
  /** A GET: the console's URL verification. */
  verify = false;
  /** Why the request was refused (4xx). */
  reason: string | undefined = undefined;
  /** The bot's error, or what broke while answering (500). */
  error: unknown = undefined;

  constructor(
    readonly s: HandlerSettings,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Called once the request is answered and recorded. */
    readonly done: (() => void) | undefined,
  ) {
    this.t0 = s.tracing ? performance.now() : 0;
    this.url = req.url ?? '/';
  }

  /** Runs from a request event: like every step called from an event, it never throws. */
  start(): void {
    try {
      const query = this.route();
      if (this.req.method === 'POST') {
        this.readBody();
        return;
      }
      this.verifyUrl(query);
    } catch (err) {
      this.answerError(err);
    }
    this.end();
  }

  /** Route: the webhook's path, the two methods WeChat uses, and the signed query. */
  route(): QueryFields {
    const { url, s } = this;
    if (s.path !== undefined && pathOf(url) !== s.path) throw new HttpRejection(404, 'not found');
    const method = this.req.method;
    if (method !== 'GET' && method !== 'POST') {
      this.res.setHeader('allow', 'GET, POST');
      throw new HttpRejection(405, 'method not allowed: WeChat uses GET (verification) and POST (messages)');
    }
    const qi = url.indexOf('?');
    this.query = readQuery(url, qi < 0 ? url.length : qi + 1);
    return this.query;
  }

  /** Verify (GET, protocol.md §1): the console's URL check, answered with its echostr. */
  verifyUrl(query: QueryFields): void {
    this.verify = true;
    if (query.msg_signature !== undefined) this.mode = 'safe';
    const echo = verifyGet(this.s.config, query, this.receivedAt);
    this.response = echo;
    this.respond(200, echo, TEXT, false);
  }

  /** Read body (POST): within the size and time limits; onBody or onBodyError follows. */
  readBody(): void {
    readBodyTo(this.req, this.s.bodyLimit, this.s.bodyTimeoutMs, this);
  }

  /** The body is in: open the push, dispatch it, answer; then record. Runs from a stream event. */
  onBody(body: string | Buffer): void {
    let waiting: Promise<void> | undefined;
    try {
      const message = this.openPush(body);
      const guarded = this.guardReplay(body);
      const result = guarded ? guarded.then(() => this.dispatch(message)) : this.dispatch(message);
      // Only a bot that went asynchronous costs a promise and these closures.
      if (result instanceof Promise) waiting = result.then((r) => this.render(r));
      else this.render(result);
    } catch (err) {
      this.onBodyError(err as Error);
      return;
    }
    if (waiting)
      waiting.then(
        () => this.end(),
        (err: unknown) => this.onBodyError(err as Error),
      );
    else this.end();
  }

  onBodyError(err: Error): void {
    this.answerError(err);
    this.end();
  }

  /** Open push (§2.3, §3): mode told apart, signature checked, decrypted, parsed into the message. */
  openPush(body: string | Buffer): WechatMessage {
    const q = this.query!;
    if (this.s.tracing) this.body = body;
    // Said before opening, so a refused encrypted push is logged as safe mode.
    if (q.encrypt_type === 'aes' || q.msg_signature !== undefined) this.mode = 'safe';
    const { mode, message } = openPush(this.s.config, q, body, this.receivedAt);
    this.mode = mode;
    // Identifiers beyond what WeChat sends (a 128 KB MsgId) would be kept as dedupe keys, and written
    // to the log and the history: refused, and the message not recorded.
    const outOfBounds = messageBoundsProblem(message);
    if (outOfBounds !== undefined) throw new HttpRejection(400, outOfBounds);
    this.message = message;
    return message;
  }

  /**
   * Guard replay (plaintext mode): the signature does not cover the body, so a signed query seen
   * before must come with the same body (ReplayGuard); a promise only with a store outside the process.
   */
  guardReplay(body: string | Buffer): void | Promise<void> {
    const guard = this.s.replayGuard;
    if (this.mode !== 'plain' || guard === undefined) return undefined;
    const q = this.query!;
    return guard.check(q.signature!, q.timestamp!, body, this.receivedAt, q.openid);
  }

  /** Dispatch: the bot on the message (dedupe, deadline); a promise only when it has to be waited for. */
  dispatch(message: WechatMessage): DispatchResult | Promise<DispatchResult> {
    return this.s.dispatcher.dispatchNow(message, this.receivedAt);
  }

  /**
   * Render: the bot's reply as WeChat's XML, sealed in an encrypted envelope outside plaintext mode;
   * `success` when there is none (no reply, a retry of a message without one, the deadline passed).
   */
  render(result: DispatchResult): void {
    this.dedupe = result.dedupe;
    this.late = result.late;
    if (result.error !== undefined) this.error = result.error;
    if (result.slow !== undefined && this.held(result)) return;
    if (!result.reply) {
      this.response = SUCCESS;
      this.respond(200, SUCCESS, TEXT, true);
      return;
    }
    const { s, mode } = this;
    const nonce = this.query!.nonce!;
    const now = Date.now();
    const xml = renderReplyOut(this.message!, result.reply, now);
    if (s.tracing) {
      this.reply = result.reply;
      this.repliedAt = now;
      // The history keeps the XML as text; nothing else reads it.
      if (s.onExchange) this.replyXml = typeof xml === 'string' ? xml : xml.toString('utf8');
    }
    if (mode === 'plain') {
      if (s.onExchange) this.response = this.replyXml!;
      this.respond(200, xml, XML, false);
      return;
    }
    const envelope = sealReplyFast(s.config.cipher!, s.config.token, xml, String(Math.floor(now / 1000)), nonce);
    if (s.onExchange) this.response = envelope;
    // The envelope is base64, hex, digits and tags around the nonce (kept, or replaced by digits).
    this.respond(200, envelope, XML, isAscii(nonce));
  }

  /**
   * The retry window's step: kept for the record; a held delivery, past WeChat's wait, is closed
   * without a word so WeChat delivers the message again (true: nothing more to send).
   */
  held(result: DispatchResult): boolean {
    if (this.s.tracing) {
      this.slow = result.slow;
      this.delivery = result.delivery;
    }
    if (result.slow !== 'held') return false;
    this.status = 0;
    this.response = '';
    this.res.destroy();
    return true;
  }

  /** A rejection's status and reason, anything else a 500; never throws. */
  answerError(err: unknown): void {
    try {
      if (err instanceof HttpRejection) {
        this.reason = this.response = err.message;
        // A body we did not read (413/408) would otherwise be taken for the next request on the socket.
        const close = err.status === 413 || err.status === 408;
        if (close) lingerOnClose(this.req);
        this.respond(err.status, err.message, TEXT, false, close);
      } else {
        this.error = err;
        this.response = 'internal error';
        this.respond(500, this.response, TEXT, false);
      }
    } catch {
      // nothing left to answer with
    }
  }

  /** Respond: the status and body in one write (respond.ts); a draining server asks for a new connection. */
  respond(status: number, body: string | Buffer, type: string, ascii: boolean, close = false): void {
    this.status = status;
    sendOut(this.res, status, body, type, close || this.s.drain?.closing === true, ascii);
  }

  /** The record step (log and history, when someone listens), then `done`; never throws. */
  end(): void {
    try {
      // Traced from its start: an onExchange attached meanwhile (setOnExchange) waits for the next request.
      if (this.s.tracing && this.t0 !== 0) recordRequest(this.s, this);
    } catch {
      // the log and the history are best effort
    }
    this.done?.();
  }
}
