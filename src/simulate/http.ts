/**
 * One HTTP exchange made the way WeChat makes it: a fresh connection, no redirects followed,
 * and a hard deadline over the whole exchange (WeChat waits 5 s, protocol.md §5.3).
 * undici is loaded on first use so the CLI starts fast.
 */
import { connect } from 'node:net';
import { SimulateError } from './errors.js';

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
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

function errorCode(err: unknown): string | undefined {
  let e = err as { code?: string; cause?: unknown } | undefined;
  for (let i = 0; e && i < 4; i++, e = e.cause as typeof e)
    if (typeof e.code === 'string' && e.code !== 'UND_ERR_ABORTED') return e.code;
  return undefined;
}

function flatten(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
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

export async function httpExchange(o: HttpExchangeOptions): Promise<HttpOutcome> {
  let target: URL;
  try {
    target = new URL(o.url);
  } catch (cause) {
    throw new SimulateError('SIMULATE_NETWORK', `not a valid URL: ${o.url}`, { cause });
  }
  const { Agent, request } = await import('undici');
  // A new Agent per exchange: every delivery gets its own connection, like WeChat's retries.
  const dispatcher = new Agent({ connect: { timeout: o.timeoutMs } });
  let connected = false;
  dispatcher.on('connect', () => {
    connected = true;
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), o.timeoutMs);
  const start = performance.now();
  const elapsed = () => Math.round(performance.now() - start);
  try {
    const res = await request(target, {
      method: o.method,
      body: o.body,
      headers: { ...WECHAT_HEADERS, ...o.headers },
      dispatcher,
      signal: controller.signal,
    });
    const { text, truncated } = await readCapped(res.body, o.maxBodyBytes ?? 1024 * 1024);
    const out: HttpOutcome = {
      kind: 'response',
      status: res.statusCode,
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
    if (code && UNREACHABLE.has(code))
      throw new SimulateError('SIMULATE_NETWORK', `cannot reach ${target.host}: ${code}`, { cause: err });
    if (!connected)
      throw new SimulateError('SIMULATE_NETWORK', `cannot reach ${target.host}: ${(err as Error).message}`, {
        cause: err,
      });
    return { kind: 'dropped', ms: elapsed(), reason: code ?? (err as Error).message };
  } finally {
    clearTimeout(timer);
    void dispatcher.destroy().catch(() => undefined);
  }
}
