/**
 * A WeChat endpoint with switchable faults, for testing the simulator's judge against real HTTP.
 * With `fault = 'none'` it is a small correct server: it checks signatures, decrypts compat/safe
 * pushes, and answers with a text (or the `reply` kind chosen), encrypted when the push was.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { buildEnvelopeXml, sealEnvelope } from '../../src/protocol/envelope.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseEncryptedBody, parseMessage } from '../../src/protocol/parse.js';
import {
  buildReplyXml,
  imageReply,
  musicReply,
  newsReply,
  replyHeader,
  textReply,
  transferReply,
  videoReply,
  voiceReply,
  type ReplyBody,
} from '../../src/protocol/replies.js';
import { computeMsgSignature, verifyMsgSignature, verifySignature } from '../../src/protocol/signature.js';
import { readBody } from './read-body.js';

export type Fault =
  | 'none'
  // GET verification
  | 'echostr-newline'
  | 'echostr-bom'
  | 'echostr-html'
  | 'echostr-json'
  | 'echostr-quotes'
  | 'no-signature-check'
  // any request
  | 'status-500'
  | 'redirect'
  | 'slow'
  | 'drop'
  // POST replies
  | 'html-body'
  | 'json-body'
  | 'ids-not-swapped'
  | 'createtime-ms'
  | 'bad-msg-signature'
  | 'wrong-appid'
  | 'plaintext-reply'
  | 'long-text'
  | 'unknown-msgtype'
  | 'too-many-articles'
  | 'empty-content'
  | 'success-newline'
  // retries: the first delivery of each MsgId is slow, later ones answer at once (a deduping server)
  | 'slow-first';

export type ReplyKind =
  | 'auto'
  | 'text'
  | 'image'
  | 'voice'
  | 'video'
  | 'music'
  | 'news'
  | 'transfer'
  | 'success'
  | 'empty';

export interface BrokenServerOptions {
  token: string;
  aesKey?: string;
  appId?: string;
}

export interface Received {
  method: string;
  url: string;
  body: string;
  /** The plaintext message, once decrypted. */
  message?: WechatMessage;
}

const SILENT_EVENTS = new Set([
  'unsubscribe',
  'VIEW',
  'view_miniprogram',
  'TEMPLATESENDJOBFINISH',
  'MASSSENDJOBFINISH',
]);

export class BrokenServer {
  fault: Fault = 'none';
  reply: ReplyKind = 'auto';
  /** How long 'slow' waits before answering. */
  slowMs = 1500;
  readonly received: Received[] = [];
  url = '';
  readonly #o: BrokenServerOptions;
  readonly #server: Server;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #seen = new Set<string>();

  constructor(o: BrokenServerOptions) {
    this.#o = o;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/wechat`;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = (await readBody(req)).toString('utf8');
    const rec: Received = { method: req.method ?? '', url: req.url ?? '', body };
    this.received.push(rec);
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text);
    };
    if (this.fault === 'drop') return void req.socket.destroy();
    if (this.fault === 'status-500') return send(500, 'Internal Server Error');
    if (this.fault === 'redirect') return send(302, '', { location: 'https://example.com/wechat/' });
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const answer = (status: number, text: string) =>
      this.fault === 'slow' ? this.#later(this.slowMs, () => send(status, text)) : send(status, text);
    if (req.method === 'GET') return answer(...this.#verify(q));
    const [status, text, msgId] = this.#push(q, body, rec);
    if (this.fault === 'slow-first' && msgId && !this.#seen.has(msgId)) {
      this.#seen.add(msgId);
      return this.#later(this.slowMs, () => send(status, text));
    }
    answer(status, text);
  }

  #verify(q: URLSearchParams): [number, string] {
    const ok = verifySignature({
      token: this.#o.token,
      timestamp: q.get('timestamp') ?? '',
      nonce: q.get('nonce') ?? '',
      signature: q.get('signature') ?? '',
    });
    const echostr = q.get('echostr') ?? '';
    if (!ok && this.fault !== 'no-signature-check') return [403, ''];
    switch (this.fault) {
      case 'echostr-newline':
        return [200, `${echostr}\n`];
      case 'echostr-bom':
        // A PHP file saved as "UTF-8 with BOM": EF BB BF before what it prints.
        return [200, `\uFEFF${echostr}`];
      case 'echostr-html':
        return [200, `<html><body>${echostr}</body></html>`];
      case 'echostr-json':
        return [200, JSON.stringify(echostr)];
      case 'echostr-quotes':
        return [200, `'${echostr}'`];
      default:
        return [200, echostr];
    }
  }

  #push(q: URLSearchParams, body: string, rec: Received): [number, string, string?] {
    const timestamp = q.get('timestamp') ?? '';
    const nonce = q.get('nonce') ?? '';
    const encrypted = q.get('encrypt_type') === 'aes';
    let xml = body;
    if (encrypted) {
      const cipher = new MessageCipher(this.#o.aesKey!, this.#o.appId!);
      const { Encrypt } = parseEncryptedBody(body);
      if (
        !verifyMsgSignature({
          token: this.#o.token,
          timestamp,
          nonce,
          encrypt: Encrypt,
          msgSignature: q.get('msg_signature') ?? '',
        })
      )
        return [403, ''];
      xml = cipher.decrypt(Encrypt);
    } else if (!verifySignature({ token: this.#o.token, timestamp, nonce, signature: q.get('signature') ?? '' })) {
      return [403, ''];
    }
    const msg = parseMessage(xml);
    rec.message = msg;
    const msgId = 'MsgId' in msg ? String(msg.MsgId) : undefined;
    return [200, this.#answer(msg, encrypted, timestamp, nonce), msgId];
  }

  #body(msg: WechatMessage): ReplyBody | 'success' | '' {
    const kind =
      this.reply === 'auto'
        ? msg.MsgType === 'event' && SILENT_EVENTS.has(String((msg as { Event?: string }).Event))
          ? 'success'
          : 'text'
        : this.reply;
    switch (kind) {
      case 'success':
        return 'success';
      case 'empty':
        return '';
      case 'image':
        return imageReply('MEDIA_ID_IMAGE');
      case 'voice':
        return voiceReply('MEDIA_ID_VOICE');
      case 'video':
        return videoReply('MEDIA_ID_VIDEO', 'A video', 'About it');
      case 'music':
        return musicReply({
          Title: 'Song',
          Description: 'Artist',
          MusicUrl: 'http://example.com/a.mp3',
          ThumbMediaId: 'THUMB',
        });
      case 'news':
        return newsReply({
          Title: 'Hello',
          Description: 'A card',
          PicUrl: 'https://example.com/c.jpg',
          Url: 'https://example.com/a',
        });
      case 'transfer':
        return transferReply();
      default: {
        const what =
          msg.MsgType === 'text'
            ? String((msg as { Content: string }).Content)
            : `${msg.MsgType}${msg.MsgType === 'event' ? ` ${String((msg as { Event: string }).Event)}` : ''}`;
        return textReply(`you said: ${what}`);
      }
    }
  }

  #answer(msg: WechatMessage, encrypted: boolean, timestamp: string, nonce: string): string {
    const f = this.fault;
    if (f === 'html-body')
      return '<!DOCTYPE html><html><head><title>500</title></head><body><h1>Whoops, something went wrong</h1></body></html>';
    if (f === 'json-body') return JSON.stringify({ errcode: 0, reply: 'hello' });
    if (f === 'success-newline') return 'success\n';
    let body = this.#body(msg);
    if (body === 'success' || body === '') return body;
    if (f === 'long-text') body = textReply('长'.repeat(1000));
    if (f === 'empty-content') body = textReply('');
    if (f === 'too-many-articles')
      body = newsReply(
        Array.from({ length: 3 }, (_, i) => ({ Title: `Article ${i + 1}`, Url: `https://example.com/${i}` })),
      );
    const header = replyHeader(msg);
    if (f === 'ids-not-swapped') Object.assign(header, { ToUserName: msg.ToUserName, FromUserName: msg.FromUserName });
    if (f === 'createtime-ms') header.CreateTime = Date.now();
    let xml = buildReplyXml({ ...header, ...body } as Parameters<typeof buildReplyXml>[0], 8);
    if (f === 'unknown-msgtype')
      xml = xml.replace(/<MsgType><!\[CDATA\[\w+\]\]><\/MsgType>/, '<MsgType><![CDATA[markdown]]></MsgType>');
    if (!encrypted || f === 'plaintext-reply') return xml;
    const appId = f === 'wrong-appid' ? 'wx0000000000000000' : this.#o.appId!;
    const env = sealEnvelope(new MessageCipher(this.#o.aesKey!, appId), xml, {
      token: this.#o.token,
      timestamp,
      nonce,
    });
    if (f === 'bad-msg-signature')
      env.MsgSignature = computeMsgSignature('not-the-token', timestamp, nonce, env.Encrypt);
    return buildEnvelopeXml(env);
  }
}

export async function startBrokenServer(o: BrokenServerOptions): Promise<BrokenServer> {
  return new BrokenServer(o).start();
}

/** The account every simulate test file shares with its BrokenServer. */
export const BROKEN_ACCOUNT = {
  token: 'tok123',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
} as const;

/** One BrokenServer for the whole test file: started before its tests, closed after them. */
export function useBrokenServer(onStart: (server: BrokenServer) => void): void {
  let server: BrokenServer | undefined;
  before(async () => {
    server = await new BrokenServer({ ...BROKEN_ACCOUNT }).start();
    onStart(server);
  });
  after(() => server?.close());
}
