/**
 * A local fake of the WeChat API (protocol.md §6) on 127.0.0.1, for tests: real HTTP, the
 * documented JSON and errcodes. stable_token keeps one token while valid, rotates it near expiry
 * (old and new both valid meanwhile) and force_refresh invalidates the previous one. Business APIs
 * check the access_token (41001 missing, 40001 unknown/invalidated, 42001 expired).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { createWechatApi, type WechatApi } from '../../src/wechat-api/index.js';
import { readBody } from './read-body.js';
import { createFakeMedia, type FakeAnswer, type FakeMedia } from './wechat-media.js';

export interface FakeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

export interface FakeWechatApiOptions {
  appId?: string;
  appSecret?: string;
  /** expires_in of issued tokens. Default 7200. */
  tokenTtlSec?: number;
  /** Normal mode hands out a new token when less than this is left. Default 300 (§6.2). */
  rotateBeforeSec?: number;
  /** Delay before stable_token answers, so concurrent callers really overlap. */
  tokenDelayMs?: number;
  /** Delay before media/upload answers, so concurrent first uses really overlap. */
  uploadDelayMs?: number;
  now?: () => number;
}

interface IssuedToken {
  token: string;
  expiresAt: number;
  revoked: boolean;
}

export interface FakeWechatApi {
  url: string;
  appId: string;
  appSecret: string;
  calls: FakeCall[];
  /** Customer-service messages accepted by /cgi-bin/message/custom/send. */
  sent: unknown[];
  stats: { stableToken: number; forceRefresh: number };
  /** The menu as menu/create stored it (undefined when none). */
  menu: unknown;
  /** Uploads, templates, template messages and QR tickets (see wechat-media.ts). */
  media: FakeMedia;
  /** Simulates someone else's force_refresh: a new current token, every older one invalid. */
  rotateElsewhere(): string;
  /** The next `times` calls to `path` answer `errcode` instead. */
  failNext(path: string, errcode: number, times?: number): void;
  /** Answers every later call to `path` with `errcode`. */
  failAlways(path: string, errcode: number): void;
  currentToken(): string | undefined;
  stop(): Promise<void>;
}

const ERRMSG: Record<number, string> = {
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40006: 'invalid meida size',
  40007: 'invalid media_id',
  40037: 'invalid template_id',
  40053: 'invalid action info',
  41005: 'media data missing',
  41006: 'media_id missing',
  43002: 'require POST method',
  45001: 'media size out of limit',
  47003: 'argument invalid!',
  40013: 'invalid appid',
  40016: 'invalid button size',
  40018: 'invalid button name size',
  40023: 'invalid sub button size',
  40125: 'invalid appsecret',
  41001: 'access_token missing',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
  46003: 'menu no exist',
  47001: 'data format error',
  48001: 'api unauthorized',
};

const CUSTOM_REQUIRED: Record<string, string[]> = {
  text: ['content'],
  image: ['media_id'],
  voice: ['media_id'],
  video: ['media_id'],
  music: ['thumb_media_id'],
  news: ['articles'],
};

export async function startFakeWechatApi(opts: FakeWechatApiOptions = {}): Promise<FakeWechatApi> {
  const appId = opts.appId ?? 'wx0123456789abcdef';
  const appSecret = opts.appSecret ?? 'fake-app-secret-0123456789abcdef';
  const ttlSec = opts.tokenTtlSec ?? 7200;
  const rotateBeforeSec = opts.rotateBeforeSec ?? 300;
  const now = opts.now ?? Date.now;
  const tokens: IssuedToken[] = [];
  const failures = new Map<string, { errcode: number; times: number }>();
  let lastForce = -Infinity;
  const media = createFakeMedia({ uploadDelayMs: opts.uploadDelayMs, now });

  const issue = (): IssuedToken => {
    const t = { token: `TOKEN_${randomBytes(12).toString('hex')}`, expiresAt: now() + ttlSec * 1000, revoked: false };
    tokens.push(t);
    return t;
  };
  const current = () => tokens.filter((t) => !t.revoked && t.expiresAt > now()).at(-1);

  const api: FakeWechatApi = {
    url: '',
    appId,
    appSecret,
    calls: [],
    sent: [],
    stats: { stableToken: 0, forceRefresh: 0 },
    menu: undefined,
    media: media.state,
    rotateElsewhere() {
      for (const t of tokens) t.revoked = true;
      return issue().token;
    },
    failNext(path, errcode, times = 1) {
      failures.set(path, { errcode, times });
    },
    failAlways(path, errcode) {
      failures.set(path, { errcode, times: Infinity });
    },
    currentToken: () => current()?.token,
    stop: async () => {},
  };

  const stableToken = async (body: Record<string, unknown>) => {
    api.stats.stableToken++;
    if (opts.tokenDelayMs) await new Promise((r) => setTimeout(r, opts.tokenDelayMs));
    if (body.grant_type !== 'client_credential') return { errcode: 40002 };
    if (body.appid !== appId) return { errcode: 40013 };
    if (body.secret !== appSecret) return { errcode: 40125 };
    if (body.force_refresh === true) {
      api.stats.forceRefresh++;
      if (now() - lastForce < 30_000) return { errcode: 45011 };
      lastForce = now();
      for (const t of tokens) t.revoked = true;
      const t = issue();
      return { access_token: t.token, expires_in: ttlSec };
    }
    let t = current();
    if (!t || t.expiresAt - now() <= rotateBeforeSec * 1000) t = issue();
    return { access_token: t.token, expires_in: Math.max(1, Math.floor((t.expiresAt - now()) / 1000)) };
  };

  const checkToken = (token: string | undefined): number => {
    if (!token) return 41001;
    const t = tokens.find((x) => x.token === token);
    if (!t || t.revoked) return 40001;
    if (t.expiresAt <= now()) return 42001;
    return 0;
  };

  const business = (path: string, method: string, body: unknown): Record<string, unknown> => {
    switch (path) {
      case '/cgi-bin/message/custom/send': {
        if (method !== 'POST') return { errcode: 43002, errmsg: 'require POST method' };
        if (!isObj(body) || typeof body.touser !== 'string' || typeof body.msgtype !== 'string')
          return { errcode: 47001 };
        if (!/^[A-Za-z0-9_-]{6,64}$/.test(body.touser)) return { errcode: 40003 };
        const fields = CUSTOM_REQUIRED[body.msgtype];
        const inner = body[body.msgtype];
        if (!fields || !isObj(inner) || !fields.every((f) => inner[f] !== undefined)) return { errcode: 47001 };
        api.sent.push(body);
        return { errcode: 0, errmsg: 'ok' };
      }
      case '/cgi-bin/menu/create': {
        if (method !== 'POST') return { errcode: 43002, errmsg: 'require POST method' };
        if (!isObj(body) || !Array.isArray(body.button)) return { errcode: 47001 };
        if (body.button.length < 1 || body.button.length > 3) return { errcode: 40016 };
        api.menu = body;
        return { errcode: 0, errmsg: 'ok' };
      }
      case '/cgi-bin/menu/get':
        if (!api.menu) return { errcode: 46003 };
        // WeChat adds an empty sub_button to every leaf.
        return { menu: withEmptySubButtons(api.menu as { button: Record<string, unknown>[] }) };
      case '/cgi-bin/menu/delete':
        api.menu = undefined;
        return { errcode: 0, errmsg: 'ok' };
      default:
        return { errcode: 404, errmsg: `fake: unknown api ${path}` };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const bytes = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    // Uploads are multipart (parsed by the media part); every other body is JSON.
    const multipart = /^multipart\/form-data/i.test(contentType) ? { contentType, raw: bytes } : undefined;
    const raw = multipart ? '' : bytes.toString('utf8');
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const query = Object.fromEntries(url.searchParams);
    api.calls.push({
      method: req.method ?? '',
      path: url.pathname,
      query,
      body: multipart ? { multipart: bytes.length } : body,
    });
    let answer: FakeAnswer;
    const fail = failures.get(url.pathname);
    if (fail && fail.times > 0) {
      fail.times--;
      answer = { json: { errcode: fail.errcode } };
    } else if (url.pathname === '/cgi-bin/stable_token') {
      answer = { json: req.method === 'POST' && isObj(body) ? await stableToken(body) : { errcode: 47001 } };
    } else if (url.pathname === '/cgi-bin/showqrcode') {
      answer = media.showQrcode(query.ticket);
    } else {
      const bad = checkToken(query.access_token);
      if (bad) answer = { json: { errcode: bad } };
      else if (media.handles(url.pathname))
        answer = await media.handle(url.pathname, req.method ?? '', query, body, multipart);
      else answer = { json: business(url.pathname, req.method ?? '', body) };
    }
    if (!('json' in answer)) {
      const headers: Record<string, string> = { 'content-type': answer.contentType };
      if (answer.filename) headers['content-disposition'] = `attachment; filename="${answer.filename}"`;
      res.writeHead(answer.status, headers);
      res.end(answer.bytes);
      return;
    }
    const out = answer.json;
    if (typeof out.errcode === 'number' && out.errcode !== 0 && out.errmsg === undefined) {
      out.errmsg = `${ERRMSG[out.errcode] ?? 'error'} rid: ${randomBytes(4).toString('hex')}`;
    }
    // WeChat labels the JSON answers of media/get text/plain.
    const label = url.pathname === '/cgi-bin/media/get' ? 'text/plain' : 'application/json; charset=utf-8';
    res.writeHead(200, { 'content-type': label });
    res.end(JSON.stringify(out));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  api.url = `http://127.0.0.1:${port}`;
  api.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function withEmptySubButtons(menu: { button: Record<string, unknown>[] }): unknown {
  const leaf = (b: Record<string, unknown>): Record<string, unknown> =>
    Array.isArray(b.sub_button) && b.sub_button.length > 0
      ? { ...b, sub_button: (b.sub_button as Record<string, unknown>[]).map(leaf) }
      : { ...b, sub_button: [] };
  return { button: menu.button.map(leaf) };
}

/** A fake WeChat API and a client for it, for the enclosing test file or describe block. */
export function useFakeWechatApi(onStart: (fake: FakeWechatApi, api: WechatApi) => void): void {
  let fake: FakeWechatApi | undefined;
  before(async () => {
    fake = await startFakeWechatApi();
    onStart(fake, createWechatApi({ appId: fake.appId, appSecret: fake.appSecret, apiBase: fake.url }));
  });
  after(async () => {
    await fake?.stop();
  });
}
