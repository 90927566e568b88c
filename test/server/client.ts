// Plays WeChat for the server tests: signs, encrypts (compat/safe) and sends pushes over real HTTP.
import { request } from 'node:http';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { parseEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import { parseReply, type Reply } from '../../src/protocol/replies.js';
import { computeMsgSignature, computeSignature } from '../../src/protocol/signature.js';

export type Mode = 'plain' | 'compat' | 'safe';

export interface Account {
  token: string;
  aesKey?: string;
  appId?: string;
}

export const ACCOUNT: Required<Account> = {
  token: 'testtoken123',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx1234567890abcdef',
};

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request; `body` may be a string or Buffer. */
export function http(
  url: string,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers = { ...init.headers };
    // Node sends a DELETE/GET body without Content-Length, which the server would read as the next request.
    if (init.body !== undefined && !headers['transfer-encoding'])
      headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = request(url, { method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const now = () => String(Math.floor(Date.now() / 1000));
let nonceSeq = 1000;
export const nextNonce = () => String(++nonceSeq);

export function signedQuery(token: string, timestamp = now(), nonce = nextNonce()): string {
  return `signature=${computeSignature(token, timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}`;
}

export interface Pushed {
  url: string;
  body: string;
  nonce: string;
  timestamp: string;
}

/** Builds the URL and body WeChat would send for `xml` in `mode`. */
export function buildPush(base: string, xml: string, mode: Mode, acct: Account = ACCOUNT, timestamp = now()): Pushed {
  const nonce = nextNonce();
  const q = signedQuery(acct.token, timestamp, nonce);
  if (mode === 'plain') return { url: `${base}?${q}&openid=oUser`, body: xml, nonce, timestamp };
  const cipher = new MessageCipher(acct.aesKey!, acct.appId!);
  const enc = cipher.encrypt(xml);
  const msgSig = computeMsgSignature(acct.token, timestamp, nonce, enc);
  const to = /<ToUserName><!\[CDATA\[(.*?)\]\]>/.exec(xml)?.[1] ?? 'gh_x';
  const body =
    mode === 'safe'
      ? `<xml><ToUserName><![CDATA[${to}]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`
      : xml.replace(/<\/xml>\s*$/, `<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`);
  return { url: `${base}?${q}&openid=oUser&encrypt_type=aes&msg_signature=${msgSig}`, body, nonce, timestamp };
}

export interface PushResult extends HttpResult {
  /** The plaintext reply (decrypted in compat/safe), or undefined for success/empty. */
  reply?: Reply;
  replyXml?: string;
}

/** Sends a push and decodes the answer as WeChat would (verifying the envelope in compat/safe mode). */
export async function push(base: string, xml: string, mode: Mode, acct: Account = ACCOUNT): Promise<PushResult> {
  const p = buildPush(base, xml, mode, acct);
  const r = await http(p.url, { method: 'POST', body: p.body, headers: { 'content-type': 'text/xml' } });
  return decode(r, mode, acct);
}

export function decode(r: HttpResult, mode: Mode, acct: Account = ACCOUNT): PushResult {
  if (r.status !== 200 || r.body === 'success' || r.body === '') return r;
  if (mode === 'plain') return { ...r, reply: parseReply(r.body), replyXml: r.body };
  const env = parseEnvelope(r.body);
  if (!verifyEnvelope(env, acct.token)) throw new Error('reply envelope MsgSignature does not verify');
  const xml = new MessageCipher(acct.aesKey!, acct.appId!).decrypt(env.Encrypt);
  return { ...r, reply: parseReply(xml), replyXml: xml };
}

/** A text message with a unique MsgId. */
let msgSeq = 5_000_000_000_000_000_000n;
export function textXml(content: string, opts: { msgId?: string; from?: string } = {}): string {
  const id = opts.msgId ?? String(++msgSeq);
  return (
    `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[${opts.from ?? 'oUserOpenId0000000000000000'}]]></FromUserName>` +
    `<CreateTime>${now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${id}</MsgId></xml>`
  );
}

export function replyText(r: PushResult): string | undefined {
  return r.reply?.MsgType === 'text' ? r.reply.Content : undefined;
}
