/**
 * The `wxbot ui` web app's server: the page, its API and its event stream (routes.ts), on its own port
 * bound to 127.0.0.1 (a tunnel to the webhook port never reaches it). `observe` is what
 * `wxbot serve --ui` hands its requests to; it only queues them, so a request never waits for the inspector.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange } from '../server/types.js';
import { DEFAULT_ACCOUNT_ID } from '../simulate/ids.js';
import { EventHub } from './events.js';
import { DEFAULT_CAPACITY, ExchangeLog, type NewExchange, summaryOf } from './exchange-log.js';
import { newUiKey } from './guard.js';
import { HttpError, json } from './http.js';
import { Phone, type UiTarget } from './phone.js';
import { PhoneInputError } from './phone-message.js';
import { fromServer } from './record.js';
import { fromCustomService } from './record-late.js';
import { route, type UiContext } from './routes.js';
import type { ExchangeDetail, MenuButtonSpec } from './wire.js';

export const DEFAULT_UI_PORT = 5051;

export interface UiServerOptions {
  target: UiTarget;
  /** Default 5051; 0 picks a free port. Always on 127.0.0.1. */
  port?: number;
  /** The account's 原始ID the phone writes to. Default gh_123456789abc. */
  account?: string;
  menu?: { button: MenuButtonSpec[] } | null;
  menuSource?: string;
  /** Exchanges kept for the inspector. Default 5000. */
  capacity?: number;
  /** The phone's deadline per push. Default 5000 ms like WeChat. */
  timeoutMs?: number;
  /** See EventHubOptions.maxBuffered. */
  maxBuffered?: number;
  /**
   * Where `wxbot serve` keeps the files of placeholder media_ids (local development, .wxbot/media):
   * the phone shows those pictures instead of a labelled placeholder.
   */
  mediaDir?: string;
  /** Told when the first page opens and the last one closes (serve attaches its hook meanwhile). */
  onWatched?: (watched: boolean) => void;
}

export interface UiServer {
  /** The address to open: carries this run's key in the fragment (never sent over the network). */
  url: string;
  origin: string;
  port: number;
  log: ExchangeLog;
  hub: EventHub;
  /** For `wxbot serve`'s onExchange: queues the request for the inspector and returns at once. */
  observe(x: Exchange): void;
  close(): Promise<void>;
}

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const key = newUiKey();
  const log = new ExchangeLog(o.capacity ?? DEFAULT_CAPACITY);
  const hub = new EventHub({ maxBuffered: o.maxBuffered, onWatched: o.onWatched });
  const published = (d: ExchangeDetail) => hub.publish({ type: 'exchange', exchange: summaryOf(d) });
  const phone = new Phone(o.target, log, published, o.timeoutMs);
  const context: UiContext = {
    key,
    run: randomBytes(6).toString('base64url'),
    log,
    hub,
    phone,
    account: o.account ?? DEFAULT_ACCOUNT_ID,
    targetUrl: o.target.url,
    menu: o.menu ?? null,
    menuSource: o.menuSource ?? null,
    mediaDir: o.mediaDir,
    port: 0,
  };

  const server: Server = createServer((req, res) => {
    route(context, req, res).catch((err: unknown) => answerError(res, err));
  });
  const port = await listenOnLoopback(server, o.port ?? DEFAULT_UI_PORT);
  // The routes refuse requests addressed to another port (guard.ts): they learn this one now.
  context.port = port;
  const origin = `http://127.0.0.1:${port}`;

  // Requests from the serve hook wait here until the event loop is free of them.
  let queue: Exchange[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    for (const x of batch) published(log.add(recordOf(x, o.target.url.replace(/^(https?:\/\/[^/]+).*$/, '$1'))));
  };

  return {
    url: `${origin}/#k=${key}`,
    origin,
    port,
    log,
    hub,
    observe(x) {
      // The phone's own pushes are logged by the phone, with what it saw.
      if (x.query.nonce !== undefined && phone.inFlight.has(x.query.nonce)) return;
      // A slow answer kept for the user's next message is no request: that message's exchange shows it.
      if (x.slow === 'stored') return;
      if (queue.push(x) === 1) setImmediate(flush);
    },
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A request the server answered, or a late answer it sent through the customer-service API. */
function recordOf(x: Exchange, origin: string): NewExchange {
  if (x.slow === 'custom-service' && x.customService && x.message)
    return fromCustomService(x, x.message, x.customService);
  return fromServer(x, origin);
}

/** A refusal answers its status; a bad phone message is a 400; anything else a 500 with its message. */
function answerError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = err instanceof HttpError ? err.status : err instanceof PhoneInputError ? 400 : 500;
  json(res, status, { error: (err as Error).message });
}

async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
