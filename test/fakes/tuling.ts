/**
 * A fake Tuling123 v2 server on 127.0.0.1 (real node:http, port 0) that checks requests the way
 * protocol.md §7.2/§7.5 documents them and answers with documented bodies.
 *
 * Validation (answered like the real API: HTTP 200 with `{"intent":{"code":N}}`):
 *   wrong apiKey → 4007; userId not [A-Za-z0-9]{1,32} → 4400; empty text → 4600; text > 128 → 4602;
 *   bad reqType / no perception input / junk inputImage.url / location without city → 4000;
 *   plaintext while a secret is configured, or an envelope that does not decrypt → 4001.
 *
 * Scripted answers, chosen by the text (after validation):
 *   #slow:<ms>     answer normally after <ms>          #code:<n>    `{"intent":{"code":n}}`
 *   #http:<status> that HTTP status, plain body         #broken      200 with truncated JSON
 *   #html          200 with an HTML page                #reset       the socket is destroyed
 *   #news #url #image #voice #video #noresults          the documented result shapes
 *   anything else  a text result: fakeTulingAnswer(text)
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decryptTulingEnvelope, type TulingEnvelope } from '../../src/providers/tuling-request.js';
import { readBody } from './read-body.js';

export const FAKE_TULING_KEY = '0123456789abcdef0123456789abcdef';
export const TULING_PATH = '/openapi/api/v2';

export const fakeTulingAnswer = (text: string) => `图灵收到：${text}`;

export interface FakeTulingRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received. */
  raw: string;
  encrypted: boolean;
  /** When a `#slow` request's client went away before the answer (Date.now()); undefined otherwise. */
  abandonedAt?: number;
  /** The (decrypted) JSON request; undefined when it did not parse. */
  // biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
  body?: any;
}

export interface FakeTulingOptions {
  apiKey?: string;
  /** When set, requests must use the §7.5 envelope. */
  secret?: string;
  /** Answer instead of the scripted behaviour (after validation); return undefined to fall through. */
  respond?: (req: FakeTulingRequest) => unknown;
}

export interface FakeTuling {
  /** Origin, e.g. http://127.0.0.1:41234 (the provider appends /openapi/api/v2). */
  origin: string;
  /** The full endpoint, for TULING_API_URL. */
  url: string;
  requests: FakeTulingRequest[];
  close(): Promise<void>;
}

const intent = (code: number) => ({ intent: { code } });
const ok = (results: unknown[], code = 10004) => ({
  intent: { code, intentName: '', actionName: '', parameters: {} },
  results,
});
const textResult = (text: string, groupType = 0) => ({ groupType, resultType: 'text', values: { text } });

/** The documented answer shapes (§7.3), plus a news list as seen in the wild. */
export const TULING_SAMPLES = {
  url: ok(
    [
      { groupType: 1, resultType: 'url', values: { url: 'http://m.elong.com/hotel/0101/nlist/#indate=2016-12-10' } },
      textResult('亲，已帮你找到相关酒店信息', 1),
    ],
    10005,
  ),
  news: ok(
    [
      textResult('亲，已帮您找到相关新闻', 1),
      {
        groupType: 1,
        resultType: 'news',
        values: {
          news: [
            { name: '头条一', info: '来源一', icon: 'https://example.com/1.jpg', detailurl: 'https://example.com/n/1' },
            { name: '头条二', info: '来源二', icon: 'https://example.com/2.jpg', detailurl: 'https://example.com/n/2' },
          ],
        },
      },
    ],
    10003,
  ),
  image: ok([{ groupType: 0, resultType: 'image', values: { image: 'https://example.com/cat.jpg' } }], 10014),
  voice: ok(
    [
      textResult('给你讲个故事', 1),
      { groupType: 1, resultType: 'voice', values: { voice: 'https://example.com/story.mp3' } },
    ],
    10008,
  ),
  video: ok([{ groupType: 0, resultType: 'video', values: { video: 'https://example.com/v.mp4' } }], 10020),
  noresults: { intent: { code: 10004 } },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
function check(body: any, apiKey: string): number | undefined {
  const p = body?.perception;
  const u = body?.userInfo;
  if (u?.apiKey !== apiKey || apiKey.length !== 32) return 4007;
  if (typeof u?.userId !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(u.userId)) return 4400;
  if (u.groupId !== undefined && (typeof u.groupId !== 'string' || u.groupId.length > 64)) return 4000;
  if (u.userIdName !== undefined && (typeof u.userIdName !== 'string' || u.userIdName.length > 64)) return 4000;
  if (body.reqType !== undefined && ![0, 1, 2].includes(body.reqType)) return 4000;
  if (!p || typeof p !== 'object' || !(p.inputText || p.inputImage || p.inputMedia)) return 4000;
  // The blog post sends {"inputImage":{"url":"imageUrl"}}: not a URL, so not an image.
  for (const k of ['inputImage', 'inputMedia']) {
    if (p[k] !== undefined && !/^https?:\/\/\S+$/.test(String(p[k]?.url ?? ''))) return 4000;
  }
  const loc = p.selfInfo?.location;
  if (p.selfInfo !== undefined && (typeof loc !== 'object' || typeof loc?.city !== 'string' || !loc.city)) return 4000;
  if (p.inputText !== undefined) {
    const t = p.inputText?.text;
    if (typeof t !== 'string') return 4000;
    if (t.trim() === '') return 4600;
    if (t.length > 128) return 4602;
  }
  return undefined;
}

export async function startFakeTuling(o: FakeTulingOptions = {}): Promise<FakeTuling> {
  const apiKey = o.apiKey ?? FAKE_TULING_KEY;
  const requests: FakeTulingRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    void readBody(req).then((bytes) => {
      const raw = bytes.toString('utf8');
      const seen: FakeTulingRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        encrypted: false,
      };
      requests.push(seen);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(value));
      };
      if (req.method !== 'POST') return void res.writeHead(405).end();
      if (req.url !== TULING_PATH) return void res.writeHead(404).end('not found');
      // biome-ignore lint/suspicious/noExplicitAny: the fake inspects whatever JSON a client sent, field by field
      let parsed: any;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return json(200, intent(4000));
      }
      const isEnvelope = parsed && typeof parsed.data === 'string' && 'key' in parsed && 'timestamp' in parsed;
      if (o.secret) {
        if (!isEnvelope) return json(200, intent(4001));
        if (parsed.key !== apiKey) return json(200, intent(4007));
        try {
          parsed = JSON.parse(decryptTulingEnvelope(parsed as TulingEnvelope, o.secret));
        } catch {
          return json(200, intent(4001));
        }
        seen.encrypted = true;
      }
      seen.body = parsed;
      const bad = check(parsed, apiKey);
      if (bad !== undefined) return json(200, intent(bad));
      const custom = o.respond?.(seen);
      if (custom !== undefined) return json(200, custom);
      const text: string = parsed.perception.inputText?.text ?? '';
      const m = /#(\w+)(?::(\d+))?/.exec(text);
      const arg = Number(m?.[2] ?? 0);
      switch (m?.[1]) {
        case 'slow': {
          const t = setTimeout(() => {
            timers.delete(t);
            json(200, ok([textResult(fakeTulingAnswer(text))]));
          }, arg);
          timers.add(t);
          res.on('close', () => {
            if (!res.writableEnded) seen.abandonedAt = Date.now();
            clearTimeout(t);
            timers.delete(t);
          });
          return;
        }
        case 'code':
          return json(200, intent(arg));
        case 'http':
          return void res.writeHead(arg, { 'content-type': 'text/plain' }).end(`HTTP ${arg}`);
        case 'broken':
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"intent":{"code":10004},"results":[{"groupType":0,"resul');
        case 'html':
          return void res
            .writeHead(200, { 'content-type': 'text/html' })
            .end('<html><body>502 Bad Gateway</body></html>');
        case 'reset':
          return void req.socket.destroy();
        case 'news':
        case 'url':
        case 'image':
        case 'voice':
        case 'video':
        case 'noresults':
          return json(200, TULING_SAMPLES[m[1]]);
        default:
          return json(200, ok([textResult(fakeTulingAnswer(text))]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}${TULING_PATH}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
