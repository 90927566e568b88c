/**
 * What the UI's server answers: the page and its scripts, the read-only API (state, exchanges, the
 * event stream, saved conversations, local media) and the phone's actions, which need this run's key.
 * A request whose Host or Origin is not this server is refused first (guard.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_OPENID } from '../simulate/ids.js';
import { PAGE_CSS, PAGE_HTML, webScript } from './assets.js';
import type { EventHub } from './events.js';
import type { ExchangeLog } from './exchange-log.js';
import { hasKey, refuseForeign } from './guard.js';
import { HttpError, json, readJson, send } from './http.js';
import { localMedia } from './local-media.js';
import type { Phone } from './phone.js';
import { phoneMessage } from './phone-message.js';
import type { ExchangeDetail, MenuButtonSpec, SendRequest, UiMode, UiState } from './wire.js';

/** What the routes read: the server's parts, and its port once it listens. */
export interface UiContext {
  key: string;
  /** This run's id, not secret (UiState.run). */
  run: string;
  log: ExchangeLog;
  hub: EventHub;
  phone: Phone;
  /** The account's 原始ID the phone writes to. */
  account: string;
  /** The webhook the phone sends to. */
  targetUrl: string;
  menu: { button: MenuButtonSpec[] } | null;
  menuSource: string | null;
  mediaDir?: string;
  port: number;
}

export async function route(c: UiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refused = refuseForeign(req, c.port);
  if (refused) return send(res, 403, 'text/plain; charset=utf-8', `${refused}\n`);
  const path = (req.url ?? '/').split('?')[0]!;
  if (path.startsWith('/api/')) return api(c, req, res, path);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
  if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
  if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
  const script = path.startsWith('/web/') ? await webScript(path.slice(5)) : undefined;
  if (script !== undefined) return send(res, 200, 'text/javascript; charset=utf-8', script);
  throw new HttpError(404, 'not found');
}

async function api(c: UiContext, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const m = /^\/api\/exchanges\/(\d+)\/(replay|curl)$/.exec(path);
  if (req.method === 'GET') {
    if (path === '/api/state') return json(res, 200, state(c));
    if (path === '/api/exchanges') return json(res, 200, c.log.summaries());
    if (path === '/api/events') return c.hub.attach(res);
    if (path === '/api/convo') return saveConvo(c, req, res);
    const media = /^\/api\/media\/([\w-]+)$/.exec(path);
    if (media) return sendMedia(c, res, media[1]!);
    const one = /^\/api\/exchanges\/(\d+)$/.exec(path);
    if (one) return json(res, 200, exchangeOf(c, one[1]));
    throw new HttpError(404, 'not found');
  }
  if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
  if (!hasKey(req, c.key)) {
    throw new HttpError(403, 'this page has no key for this run: open the UI from the URL wxbot printed');
  }
  const body = await readJson(req);
  if (path === '/api/send') return json(res, 200, await sendFromPhone(c, body));
  if (m?.[2] === 'replay') return json(res, 200, await c.phone.replay(exchangeOf(c, m[1])));
  if (m?.[2] === 'curl') return json(res, 200, { curl: c.phone.curl(exchangeOf(c, m[1])) });
  throw new HttpError(404, 'not found');
}

function state(c: UiContext): UiState {
  return {
    run: c.run,
    target: c.targetUrl,
    account: c.account,
    users: [DEFAULT_OPENID, 'oUserOpenId00000000000000002', 'oUserOpenId00000000000000003'],
    modes: c.phone.modes,
    // As `wxbot simulate` does: safe mode once the key is known, the mode an account with a key uses.
    mode: c.phone.modes.includes('safe') ? 'safe' : 'plain',
    menu: c.menu,
    menuSource: c.menuSource,
    capacity: c.log.capacity,
    canSaveConvo: true,
  };
}

function exchangeOf(c: UiContext, id: string | undefined): ExchangeDetail {
  const d = c.log.get(Number(id));
  if (!d) throw new HttpError(404, `no exchange ${id} (the inspector keeps the last ${c.log.capacity})`);
  return d;
}

async function sendFromPhone(c: UiContext, body: Record<string, unknown>): Promise<ExchangeDetail> {
  const r = body as SendRequest;
  const user = typeof r.user === 'string' && r.user ? r.user : DEFAULT_OPENID;
  const mode: UiMode = r.mode === 'compat' || r.mode === 'safe' ? r.mode : 'plain';
  const message = phoneMessage(String(r.kind), body, { from: user, to: c.account });
  return c.phone.push(message, mode);
}

async function saveConvo(c: UiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = new URL(req.url ?? '/', 'http://ui').searchParams.get('user') || DEFAULT_OPENID;
  const { conversationFile } = await import('./convo.js');
  res.setHeader('content-disposition', 'attachment; filename="wxbot-ui.convo"');
  send(res, 200, 'text/plain; charset=utf-8', conversationFile(c.log.summaries(), user));
}

async function sendMedia(c: UiContext, res: ServerResponse, mediaId: string): Promise<void> {
  const file = c.mediaDir ? await localMedia(c.mediaDir, mediaId) : undefined;
  if (!file) throw new HttpError(404, `no local file for media_id ${mediaId}`);
  res.writeHead(200, { 'content-type': file.type, 'content-length': file.data.length, 'cache-control': 'no-store' });
  res.end(file.data);
}
