import type { IncomingMessage } from 'node:http';
import { DeadlineQueue, type Deadline, type DeadlineTarget } from '../bot/deadline-queue.js';
import { HttpRejection } from './rejection.js';

// One timer for every body being read, rather than one per request.
const bodyDeadlines = new DeadlineQueue();

/** The declared Content-Length, read from rawHeaders: `req.headers` builds an object on first use. */
function declaredLength(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === 'content-length') return Number(raw[i + 1]);
  }
  return NaN;
}

const READING = Symbol('wxbot body');

/** Where a body read reports: the caller's per-request state, so a read makes no closure. */
export interface BodyTarget {
  /** The body as read from the socket (bytes), or a framework's pre-read string. */
  onBody(body: Buffer | string): void;
  onBodyError(err: Error): void;
}

/**
 * One body being read. The stream listeners are shared functions that find this through the
 * request (`this` is the emitter), so a request costs this object, no closures and no promise.
 */
class BodyRead implements DeadlineTarget {
  first: Buffer | undefined = undefined;
  rest: Buffer[] | undefined = undefined;
  size = 0;
  settled = false;
  timer: Deadline | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly limit: number,
    readonly timeoutMs: number,
    readonly target: BodyTarget,
  ) {}

  fire(): void {
    this.fail(new HttpRejection(408, `body not received within ${this.timeoutMs} ms`));
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.timer?.cancel();
    this.req.off('data', onData);
    // Stop reading; the connection is closed after the error response.
    this.req.pause();
    this.target.onBodyError(err);
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    this.timer?.cancel();
    const first = this.first;
    // Bytes: the message is read from them, and only its values become strings.
    if (!first) this.target.onBody('');
    else if (!this.rest) this.target.onBody(first);
    else this.target.onBody(Buffer.concat([first, ...this.rest], this.size));
  }
}

type Reading = IncomingMessage & { [READING]?: BodyRead };

function onData(this: Reading, c: Buffer): void {
  const r = this[READING]!;
  if (r.settled) return;
  r.size += c.length;
  if (r.size > r.limit) r.fail(new HttpRejection(413, `body larger than ${r.limit} bytes`));
  else if (!r.first) r.first = c;
  else {
    r.rest ??= [];
    r.rest.push(c);
  }
}

function onEnd(this: Reading): void {
  this[READING]!.end();
}

function onError(this: Reading, e: Error): void {
  const r = this[READING]!;
  r.fail(
    this.aborted
      ? new HttpRejection(400, 'client aborted the request', { cause: e })
      : new HttpRejection(400, 'error while reading the body', { cause: e }),
  );
}

/**
 * Reads the raw body within `limit` bytes and `timeoutMs`, and hands it (or the rejection)
 * to `target`, at once when there is nothing to wait for. When a framework's body parser already
 * consumed the stream (Express `express.text()`/`raw()`, Koa's `rawBody`), its string or Buffer in
 * `req.body` is used instead: the exact bytes matter for compatible-mode signatures.
 */
export function readBodyTo(req: IncomingMessage, limit: number, timeoutMs: number, target: BodyTarget): void {
  const pre = (req as { body?: unknown }).body;
  if (typeof pre === 'string') return void checked(Buffer.byteLength(pre), limit, pre, target);
  if (Buffer.isBuffer(pre)) return void checked(pre.length, limit, pre, target);
  if (req.readableEnded) {
    if (pre !== undefined && pre !== null && !(typeof pre === 'object' && Object.keys(pre).length === 0)) {
      return void target.onBodyError(
        new HttpRejection(
          400,
          'request body was already parsed by another middleware; mount the WeChat handler before body parsers, or use express.text({ type: "*/*" })',
        ),
      );
    }
    return void target.onBody('');
  }
  if (declaredLength(req) > limit)
    return void target.onBodyError(new HttpRejection(413, `body larger than ${limit} bytes`));

  const r = new BodyRead(req, limit, timeoutMs, target);
  (req as Reading)[READING] = r;
  r.timer = bodyDeadlines.add(Date.now() + timeoutMs, r);
  // Not removed once the body is in: the request is done with, and an error after the end finds r settled.
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', onError);
}

function checked(size: number, limit: number, body: string | Buffer, target: BodyTarget): void {
  if (size > limit) target.onBodyError(new HttpRejection(413, `body larger than ${limit} bytes`));
  else target.onBody(body);
}
