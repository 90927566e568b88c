/**
 * One HTTP exchange made the way WeChat makes it: a fresh connection, no redirects followed,
 * and a hard deadline over the whole exchange (WeChat waits 5 s, protocol.md §5.3).
 * Sent with node:http/node:https: one request to one server needs no connection pool, and the CLI
 * starts faster without loading undici.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { SimulateError, TLS_FAILED } from './errors.js';

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Time from sending the request to the last byte of the body. */
  ms: number;
  /** Set when the body was longer than the cap and was cut. */
  truncated?: boolean;
}

/** What came back: an answer, nothing before the deadline, or a connection dropped without an answer. */
export type HttpOutcome =
  | ({ kind: 'response' } & HttpResponse)
  | { kind: 'timeout'; ms: number }
  | { kind: 'dropped'; ms: number; reason: string };

export interface HttpExchangeOptions {
  method: 'GET' | 'POST';
  url: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Bodies beyond this many bytes are cut (default 1 MiB). */
  maxBodyBytes?: number;
}

// The headers WeChat's push servers send.
const WECHAT_HEADERS = { 'user-agent': 'Mozilla/4.0', accept: '*/*', pragma: 'no-cache' };

// Failures to reach the server at all: a network problem, not a verdict on the server's code.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ERR_INVALID_URL',
]);

/**
 * Why an https:// request failed before its TLS handshake completed, and what to do: the server is
 * not reachable over https at all, whatever its code would have answered.
 */
function tlsFailure(target: URL, code: string | undefined, err: Error): string {
  const why = code ?? err.message;
  const head = `${TLS_FAILED} ${target.host} failed (${why})`;
  // OpenSSL's "wrong version number": the first bytes back were not TLS, typically a plain HTTP answer.
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(err.message)) {
    // The URL without the signed query, with http:// and the port that answered (443 when implied).
    const plain = `http://${target.hostname}:${target.port || 443}${target.pathname}`;
    return `${head}: the server speaks plain http, not https (\`wxbot serve\` does): use ${plain}`;
  }
  if (code && /CERT|UNABLE_TO_/.test(code)) {
    return `${head}: its certificate is not trusted (${err.message}): WeChat wants one from a public CA (e.g. Let's Encrypt); to test with your own CA, set NODE_EXTRA_CA_CERTS to its certificate file`;
  }
  return `${head}: check that the server speaks https on this port, or use http://`;
}

function errorCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++, e = e.cause as typeof e) if (typeof e.code === 'string') return e.code;
  return undefined;
}

/** Lower-case names (node:http gives them so); repeated headers joined with ", ". */
function flatten(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

async function readCapped(body: AsyncIterable<Buffer>, cap: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > cap) return { text: Buffer.concat(chunks).subarray(0, cap).toString('utf8'), truncated: true };
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/**
 * Whether a TCP connection to the URL's host opens within `ms`. Asked only when the deadline passed
 * before our request connected: on a starved event loop the timer can fire before the connect
 * callback runs, and that must not turn a slow server into "unreachable".
 */
function canConnect(url: URL, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Sends the request and resolves with the response's head; `onSocket` learns of the connection. */
function send(target: URL, o: HttpExchangeOptions, signal: AbortSignal, onSocket: (s: Socket) => void) {
  const body = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
  const headers: Record<string, string | number> = { ...WECHAT_HEADERS, ...o.headers };
  if (body) headers['content-length'] = body.length;
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    // agent: false, a connection of its own: every delivery is a new connection, like WeChat's retries.
    const req = request(target, { method: o.method, headers, agent: false, signal }, resolve);
    req.once('error', reject);
    req.once('socket', onSocket);
    req.end(body);
  });
}

export async function httpExchange(o: HttpExchangeOptions): Promise<HttpOutcome> {
  let target: URL;
  try {
    target = new URL(o.url);
  } catch (cause) {
    throw new SimulateError('SIMULATE_NETWORK', `not a valid URL: ${o.url}`, { cause });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new SimulateError('SIMULATE_NETWORK', `not an http(s) URL: ${o.url}`);
  }
  let connected = false;
  // https: whether the TLS handshake completed (a failure before it means https cannot reach the server).
  let secured = false;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  let res: IncomingMessage | undefined;
  try {
    res = await send(target, o, controller.signal, (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
      socket.once('secureConnect', () => (secured = true));
    });
    const { text, truncated } = await readCapped(res, o.maxBodyBytes ?? 1024 * 1024);
    const out: HttpOutcome = {
      kind: 'response',
      status: res.statusCode ?? 0,
      headers: flatten(res.headers),
      body: text,
      ms: elapsed(),
    };
    if (truncated) out.truncated = true;
    return out;
  } catch (err) {
    const code = errorCode(err);
    if (controller.signal.aborted) {
      const ms = elapsed();
      if (!connected && !(await canConnect(target, Math.max(o.timeoutMs, 2000)))) {
        throw new SimulateError('SIMULATE_NETWORK', `could not connect to ${target.host} within ${o.timeoutMs} ms`, {
          cause: err,
        });
      }
      return { kind: 'timeout', ms };
    }
    if (code && UNREACHABLE.has(code)) {
      throw new SimulateError('SIMULATE_NETWORK', `cannot reach ${target.host}: ${code}`, { cause: err });
    }
    if (target.protocol === 'https:' && !secured) {
      throw new SimulateError('SIMULATE_NETWORK', tlsFailure(target, code, err as Error), { cause: err });
    }
    if (!connected) {
      throw new SimulateError('SIMULATE_NETWORK', `cannot reach ${target.host}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { kind: 'dropped', ms: elapsed(), reason: code ?? (err as Error).message };
  } finally {
    clearTimeout(timer);
    // The connection is ours alone: nothing reuses it.
    res?.destroy();
  }
}
