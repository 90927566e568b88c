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

/**
 * One body being read. The stream listeners are shared functions that find this through the
 * request (`this` is the emitter), so a request costs this object and a promise, no closures.
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
    readonly resolve: (body: string) => void,
    readonly reject: (err: Error) => void,
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
    this.reject(err);
  }

  end(): void {
    if (this.settled) return;
    this.settled = true;
    this.timer?.cancel();
    const first = this.first;
    if (!first) this.resolve('');
    else if (!this.rest) this.resolve(first.toString('utf8'));
    else this.resolve(Buffer.concat([first, ...this.rest], this.size).toString('utf8'));
  }
}

type Reading = IncomingMessage & { [READING]?: BodyRead };

function onData(this: Reading, c: Buffer): void {
  const r = this[READING]!;
  if (r.settled) return;
  r.size += c.length;
  if (r.size > r.limit) r.fail(new HttpRejection(413, `body larger than ${r.limit} bytes`));
  else if (!r.first) r.first = c;
  else (r.rest ??= []).push(c);
}

function onEnd(this: Reading): void {
  this[READING]!.end();
}

function onError(this: Reading, e: Error): void {
  const r = this[READING]!;
  r.fail(this.aborted ? new HttpRejection(400, 'client aborted the request', { cause: e }) : new HttpRejection(400, 'error while reading the body', { cause: e }));
}

/**
 * Reads the raw body as UTF-8 within `limit` bytes and `timeoutMs`. When a framework's body parser
 * already consumed the stream (Express `express.text()`/`raw()`, Koa's `rawBody`), its string or
 * Buffer in `req.body` is used instead: the exact bytes matter for compatible-mode signatures.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<string> {
  const pre = (req as { body?: unknown }).body;
  if (typeof pre === 'string') return checked(Buffer.byteLength(pre), limit, pre);
  if (Buffer.isBuffer(pre)) return checked(pre.length, limit, pre.toString('utf8'));
  if (req.readableEnded) {
    if (pre !== undefined && pre !== null && !(typeof pre === 'object' && Object.keys(pre).length === 0)) {
      return Promise.reject(new HttpRejection(400,
        'request body was already parsed by another middleware; mount the WeChat handler before body parsers, or use express.text({ type: "*/*" })'));
    }
    return Promise.resolve('');
  }
  if (declaredLength(req) > limit) return Promise.reject(new HttpRejection(413, `body larger than ${limit} bytes`));

  return new Promise((resolve, reject) => {
    const r = new BodyRead(req, limit, timeoutMs, resolve, reject);
    (req as Reading)[READING] = r;
    r.timer = bodyDeadlines.add(Date.now() + timeoutMs, r);
    // Not removed once the body is in: the request is done with, and an error after the end finds r settled.
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function checked(size: number, limit: number, body: string): Promise<string> {
  return size > limit ? Promise.reject(new HttpRejection(413, `body larger than ${limit} bytes`)) : Promise.resolve(body);
}
