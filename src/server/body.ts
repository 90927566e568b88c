import type { IncomingMessage } from 'node:http';
import { DeadlineQueue } from '../bot/deadline-queue.js';
import { HttpRejection } from './rejection.js';

// One timer for every body being read, rather than one per request.
const bodyDeadlines = new DeadlineQueue();

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
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new HttpRejection(413, `body larger than ${limit} bytes`));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      timer.cancel();
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Stop reading; the connection is closed after the error response.
        req.pause();
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) done(new HttpRejection(413, `body larger than ${limit} bytes`));
      else chunks.push(c);
    };
    const onEnd = () => done();
    const onError = (e: Error) => done(new HttpRejection(400, 'error while reading the body', { cause: e }));
    const onAborted = () => done(new HttpRejection(400, 'client aborted the request'));
    const timer = bodyDeadlines.add(Date.now() + timeoutMs, { fire: () => done(new HttpRejection(408, `body not received within ${timeoutMs} ms`)) });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function checked(size: number, limit: number, body: string): Promise<string> {
  return size > limit ? Promise.reject(new HttpRejection(413, `body larger than ${limit} bytes`)) : Promise.resolve(body);
}
