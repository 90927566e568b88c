import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bot } from '../bot/bot.js';
import { createWebhook, type WechatHandler } from './handler.js';
import { nextRequestId } from './request-id.js';
import { checkWebhookPath } from './webhook-path.js';
import type { HandlerOptions } from './types.js';
import type { Store } from '../store/store.js';

export interface ServerOptions extends Omit<HandlerOptions, 'path'> {
  /** Default 5050; 0 picks a free port. */
  port?: number;
  /** Default '0.0.0.0'. */
  host?: string;
  /** Where WeChat posts. Default '/wechat'. The same characters as HandlerOptions' `path`. */
  path?: string;
  /** Slow-client limits: time to send the headers, and the whole request. Defaults 10 s and 30 s. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Idle keep-alive sockets are closed after this long. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** On close(), in-flight requests get this long before sockets are cut. Default 8 s. */
  shutdownGraceMs?: number;
  /** Body of `GET /`. */
  statusText?: string;
}

/** How a running server drains: `closing` turns true once `begin()` is called (SIGTERM, `close()`). */
export interface Shutdown {
  closing: boolean;
  begin(): void;
}

export interface RunningServer {
  server: Server;
  handler: WechatHandler;
  port: number;
  host: string;
  /** Base URL reachable from this machine, e.g. http://127.0.0.1:5050 */
  origin: string;
  /** The webhook URL: origin + path. */
  url: string;
  path: string;
  /** Stops accepting, lets in-flight requests (and late replies) finish, closes idle sockets; resolves when done. */
  close(): Promise<void>;
}

const HEALTHY = 'ok\n';
const DEGRADED =
  'degraded: the store (Redis) does not answer; messages are still answered, but until it is back a retry may be handled twice and what the bot keeps in the store (sessions, chat memory) cannot be read\n';

/**
 * Whether the store answers, asked at most once a second however many load balancers poll, and
 * bounded so a hung connection cannot hold a health check. undefined: the store has no service
 * behind it (memory), so there is nothing to ask.
 */
function storeProbe(store: Store): (() => Promise<boolean>) | undefined {
  if (typeof store.ping !== 'function') return undefined;
  let askedAt = 0;
  let answer: Promise<boolean> | undefined;
  const ask = async (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(r, 1_000, false)));
    try {
      return await Promise.race([store.ping!().catch(() => false), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    const now = Date.now();
    if (!answer || now - askedAt >= 1_000) {
      askedAt = now;
      answer = ask();
    }
    return answer;
  };
}

/** The host part of a URL that reaches a server listening on `host` from this machine. */
export function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Builds the HTTP server: the webhook at `path`, `GET /` status text, `GET /healthz` for load
 * balancers (which also says whether a Redis store answers).
 */
export function buildServer(
  bot: Bot,
  options: ServerOptions,
): { server: Server; handler: WechatHandler; shutdown: Shutdown } {
  const path = options.path ?? '/wechat';
  checkWebhookPath(path);
  const shutdown: Shutdown = {
    closing: false,
    begin() {
      // From now on every response (those of requests already being handled too) carries
      // `connection: close`, so their sockets end as well.
      this.closing = true;
    },
  };
  // The handler, and for this server the listener without the promise it would drop.
  const { handler, serve } = createWebhook(bot, { ...options, path: undefined }, shutdown);
  const storeAnswers = storeProbe(options.store ?? bot.store);
  const statusText = options.statusText ?? `wxbot is running. WeChat webhook: POST ${path}\n`;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  // Node checks these timeouts on an interval (30 s by default), which would let slow clients linger.
  const connectionsCheckingInterval = Math.max(50, Math.min(1000, headersTimeout / 2, requestTimeout / 2));
  const server = createServer(
    { headersTimeout, requestTimeout, connectionsCheckingInterval },
    (req: IncomingMessage, res: ServerResponse) => {
      // While draining, every response asks the client to reconnect elsewhere.
      if (shutdown.closing) res.setHeader('connection', 'close');
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      if (pathname === path) return serve(req, res);
      const plain = (status: number, body: string) => {
        res.writeHead(status, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      // A wrong path in the console's URL is a common set-up mistake: it leaves a line in the log. (The
      // status page and health checks do not: load balancers poll them every few seconds.)
      const notFound = () => {
        plain(404, 'not found\n');
        options.onLog?.({
          type: 'request',
          level: 'warn',
          time: Date.now(),
          id: nextRequestId(),
          method: req.method ?? '',
          path: pathname,
          status: 404,
          mode: 'plain',
          latencyMs: 0,
          dedupe: false,
          late: false,
          reason: `not found: the webhook path is ${path}`,
        });
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return notFound();
      if (pathname === '/healthz') {
        if (shutdown.closing) return plain(503, 'shutting down\n');
        if (!storeAnswers) return plain(200, HEALTHY);
        // A replica without its Redis still answers every message, and taking every replica out of
        // the load balancer at once for a shared outage would stop them all: 200 unless asked to be
        // strict (`?strict=1`, for monitoring that only reads the status).
        const strict = q >= 0 && /[?&]strict=(1|true)(&|$)/.test(url);
        void storeAnswers().then((ok) => (ok ? plain(200, HEALTHY) : plain(strict ? 503 : 200, DEGRADED)));
        return;
      }
      if (pathname === '/') return plain(200, statusText);
      return notFound();
    },
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  return { server, handler, shutdown };
}

/**
 * Builds the server and listens; the returned handle closes it gracefully.
 *
 * @example
 * ```ts
 * import { createBot, startServer } from 'wxbot';
 *
 * const bot = createBot().text('hi', () => 'hello');
 * const server = await startServer(bot, { token: process.env.WECHAT_TOKEN!, port: 5050, path: '/wechat' });
 * console.log(`listening on ${server.url}`);
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function startServer(bot: Bot, options: ServerOptions): Promise<RunningServer> {
  const { server, handler, shutdown } = buildServer(bot, options);
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5050, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${localHost(host)}:${port}`;
  const path = options.path ?? '/wechat';
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      shutdown.begin();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      // Connections that finish a request while draining are closed by the `connection: close` header;
      // whatever is still open after the grace period is cut.
      const grace = setTimeout(() => {
        handler.dispatcher.abortAll();
        server.closeAllConnections();
      }, options.shutdownGraceMs ?? 8_000);
      const idle = setInterval(() => server.closeIdleConnections(), 250);
      try {
        await done;
        await Promise.race([
          handler.idle(),
          new Promise((r) => setTimeout(r, options.shutdownGraceMs ?? 8_000).unref()),
        ]);
      } finally {
        clearTimeout(grace);
        clearInterval(idle);
      }
    })());
  return { server, handler, port, host, origin, url: `${origin}${path}`, path, close };
}
