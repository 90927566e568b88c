/**
 * The one HTTP path of the providers: undici with a shared keep-alive Agent (the pool is reused
 * across calls, so a reply does not pay a TCP/TLS handshake each time). undici is imported on first
 * use only, so `wxbot --version` and a server without a provider never load it.
 */
import type { Dispatcher } from 'undici';
import { ProviderError, redact } from './errors.js';

export interface PostJsonOptions {
  provider: string;
  headers?: Record<string, string>;
  /** The caller's signal (e.g. the reply budget); aborting it stops the request at once. */
  signal?: AbortSignal;
  /** The provider's own limit for the whole call. */
  timeoutMs: number;
  /** Defaults to the shared Agent. */
  dispatcher?: Dispatcher;
  /** Responses larger than this are refused (a chat answer is a few KB). */
  maxBodyBytes?: number;
}

export interface HttpResult {
  status: number;
  /** The body as text (UTF-8). */
  text: string;
}

const CONNECT_TIMEOUT_MS = 3000;
const DEFAULT_MAX_BODY = 1024 * 1024;

let shared: Promise<Dispatcher> | undefined;

/** The process-wide Agent, created on first use. */
export function sharedDispatcher(): Promise<Dispatcher> {
  shared ??= import('undici').then(
    ({ Agent }) =>
      new Agent({
        connect: { timeout: CONNECT_TIMEOUT_MS },
        keepAliveTimeout: 30_000,
        connections: 64,
      }),
  );
  return shared;
}

/**
 * Loads undici and creates the Agent ahead of the first message, so the first user does not pay for
 * the module load inside the reply budget. Never rejects.
 */
export async function warmUp(): Promise<void> {
  await sharedDispatcher().catch(() => undefined);
}

/** Closes the shared Agent (idle keep-alive sockets); the next call creates a new one. */
export async function closeSharedDispatcher(): Promise<void> {
  const d = shared;
  shared = undefined;
  if (d) await (await d).close();
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function failure(err: unknown, o: PostJsonOptions, timedOut: boolean, url: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const provider = o.provider;
  const host = safeHost(url);
  if (timedOut)
    return new ProviderError('TIMEOUT', `${provider} did not answer within ${o.timeoutMs} ms`, {
      provider,
      cause: err,
    });
  if (o.signal?.aborted) {
    const reason: unknown = o.signal.reason;
    if (reason instanceof ProviderError) return reason;
    const isTimeout = reason instanceof DOMException && reason.name === 'TimeoutError';
    return new ProviderError(
      isTimeout ? 'TIMEOUT' : 'ABORTED',
      `${provider} request ${isTimeout ? 'timed out' : 'was aborted'}`,
      { provider, cause: err },
    );
  }
  const code = (err as { code?: string })?.code ?? '';
  if (TIMEOUT_CODES.has(code))
    return new ProviderError('TIMEOUT', `${provider} timed out (${code}) talking to ${host}`, { provider, cause: err });
  const why = code || (err as Error)?.message || String(err);
  return new ProviderError('NETWORK', `cannot reach ${provider} at ${host}: ${why}`, { provider, cause: err });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

async function readLimited(body: AsyncIterable<Buffer>, max: number, provider: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += chunk.length;
    if (n > max)
      throw new ProviderError('BAD_RESPONSE', `${provider} response is larger than ${max} bytes`, { provider });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** POSTs a JSON body; resolves with any HTTP status (callers map them), rejects with ProviderError. */
export async function postJson(url: string, body: unknown, o: PostJsonOptions): Promise<HttpResult> {
  const { request } = await import('undici');
  const dispatcher = o.dispatcher ?? (await sharedDispatcher());
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, o.timeoutMs);
  const onAbort = () => ac.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      signal: ac.signal,
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', ...o.headers },
      body: JSON.stringify(body),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    const text = await readLimited(res.body, o.maxBodyBytes ?? DEFAULT_MAX_BODY, o.provider);
    return { status: res.statusCode, text };
  } catch (err) {
    throw failure(err, o, timedOut, url);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Parses a JSON body or throws BAD_JSON with a short excerpt (secrets redacted: some servers echo them). */
export function parseJsonBody(
  text: string,
  provider: string,
  status: number,
  secrets: readonly (string | undefined)[] = [],
): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const excerpt = redact(text.slice(0, 80).replace(/\s+/g, ' '), secrets);
    throw new ProviderError(
      'BAD_JSON',
      `${provider} answered HTTP ${status} with a body that is not JSON: "${excerpt}"`,
      { provider, status, cause },
    );
  }
}
