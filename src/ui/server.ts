/**
 * The `wxbot ui` web app's server: the page, its API and its event stream, on its own port bound to
 * 127.0.0.1 (a tunnel to the webhook port never reaches it). `observe` is what `wxbot serve --ui`
 * hands its requests to; it only queues them, so a request never waits for the inspector.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Exchange } from '../server/types.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_OPENID } from '../simulate/ids.js';
import { CONTENT_SECURITY_POLICY, PAGE_CSS, PAGE_HTML, webScript } from './assets.js';
import { EventHub } from './events.js';
import { DEFAULT_CAPACITY, ExchangeLog, summaryOf } from './exchange-log.js';
import { hasKey, newUiKey, refuseForeign } from './guard.js';
import { Phone, type UiTarget } from './phone.js';
import { PhoneInputError, phoneMessage } from './phone-message.js';
import { localMedia } from './local-media.js';
import { fromServer } from './record.js';
import type { ExchangeDetail, MenuButtonSpec, SendRequest, UiMode, UiState } from './wire.js';

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

const MAX_JSON = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, v: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(v));

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_JSON) throw new HttpError(413, 'request too large');
    chunks.push(c);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'the body must be a JSON object');
}

export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const key = newUiKey();
  const log = new ExchangeLog(o.capacity ?? DEFAULT_CAPACITY);
  const hub = new EventHub({ maxBuffered: o.maxBuffered, onWatched: o.onWatched });
  const published = (d: ExchangeDetail) => hub.publish({ type: 'exchange', exchange: summaryOf(d) });
  const phone = new Phone(o.target, log, published, o.timeoutMs);
  const account = o.account ?? DEFAULT_ACCOUNT_ID;
  let port = 0;

  const state = (): UiState => ({
    target: o.target.url,
    account,
    users: [DEFAULT_OPENID, 'oUserOpenId00000000000000002', 'oUserOpenId00000000000000003'],
    modes: phone.modes,
    mode: 'plain',
    menu: o.menu ?? null,
    menuSource: o.menuSource ?? null,
    capacity: log.capacity,
    canSaveConvo: true,
  });

  const exchangeOf = (id: string | undefined): ExchangeDetail => {
    const d = log.get(Number(id));
    if (!d) throw new HttpError(404, `no exchange ${id} (the inspector keeps the last ${log.capacity})`);
    return d;
  };

  async function sendFromPhone(body: Record<string, unknown>): Promise<ExchangeDetail> {
    const r = body as SendRequest;
    const user = typeof r.user === 'string' && r.user ? r.user : DEFAULT_OPENID;
    const mode: UiMode = r.mode === 'compat' || r.mode === 'safe' ? r.mode : 'plain';
    const message = phoneMessage(String(r.kind), body, { from: user, to: account });
    return phone.push(message, mode);
  }

  async function saveConvo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const user = new URL(req.url ?? '/', 'http://ui').searchParams.get('user') || DEFAULT_OPENID;
    const { conversationFile } = await import('./convo.js');
    res.setHeader('content-disposition', 'attachment; filename="wxbot-ui.convo"');
    send(res, 200, 'text/plain; charset=utf-8', conversationFile(log.summaries(), user));
  }

  async function sendMedia(res: ServerResponse, mediaId: string): Promise<void> {
    const file = o.mediaDir ? await localMedia(o.mediaDir, mediaId) : undefined;
    if (!file) throw new HttpError(404, `no local file for media_id ${mediaId}`);
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length, 'cache-control': 'no-store' });
    res.end(file.data);
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const m = /^\/api\/exchanges\/(\d+)\/(replay|curl)$/.exec(path);
    if (req.method === 'GET') {
      if (path === '/api/state') return json(res, 200, state());
      if (path === '/api/exchanges') return json(res, 200, log.summaries());
      if (path === '/api/events') return hub.attach(res);
      if (path === '/api/convo') return saveConvo(req, res);
      const media = /^\/api\/media\/([\w-]+)$/.exec(path);
      if (media) return sendMedia(res, media[1]!);
      const one = /^\/api\/exchanges\/(\d+)$/.exec(path);
      if (one) return json(res, 200, exchangeOf(one[1]));
      throw new HttpError(404, 'not found');
    }
    if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
    if (!hasKey(req, key)) {
      throw new HttpError(403, 'this page has no key for this run: open the UI from the URL wxbot printed');
    }
    const body = await readJson(req);
    if (path === '/api/send') return json(res, 200, await sendFromPhone(body));
    if (m?.[2] === 'replay') return json(res, 200, await phone.replay(exchangeOf(m[1])));
    if (m?.[2] === 'curl') return json(res, 200, { curl: phone.curl(exchangeOf(m[1])) });
    throw new HttpError(404, 'not found');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refuseForeign(req, port);
    if (refused) return send(res, 403, 'text/plain; charset=utf-8', `${refused}\n`);
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/api/')) return api(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
    const script = path.startsWith('/web/') ? await webScript(path.slice(5)) : undefined;
    if (script !== undefined) return send(res, 200, 'text/javascript; charset=utf-8', script);
    throw new HttpError(404, 'not found');
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof HttpError) return json(res, err.status, { error: err.message });
      if (err instanceof PhoneInputError) return json(res, 400, { error: err.message });
      json(res, 500, { error: (err as Error).message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? DEFAULT_UI_PORT, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  // Requests from the serve hook wait here until the event loop is free of them.
  let queue: Exchange[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    for (const x of batch) published(log.add(fromServer(x, o.target.url.replace(/^(https?:\/\/[^/]+).*$/, '$1'))));
  };

  return {
    url: `${origin}/#k=${key}`,
    origin,
    port,
    log,
    hub,
    observe(x) {
      if (x.query.nonce !== undefined && phone.inFlight.has(x.query.nonce)) return;
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
