// Shared by the fuzz properties and the hostile corpus: a real node:http server around createHandler,
// a keep-alive client, WeChat-style signing for any body, and the checks every answer must pass.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bot } from '../../src/bot/bot.js';
import { MessageCipher, decodeAesKey, pad32 } from '../../src/protocol/crypto.js';
import { parseEnvelope } from '../../src/protocol/envelope.js';
import { parseReply, type Reply } from '../../src/protocol/replies.js';
import { computeMsgSignature, computeSignature } from '../../src/protocol/signature.js';
import { stripIllegalXmlChars } from '../../src/protocol/xml.js';
import { createHandler } from '../../src/server/handler.js';
import { startServer, type ServerOptions } from '../../src/server/start.js';
import type { HandlerOptions, LogRecord } from '../../src/server/types.js';
import { ACCOUNT, nextNonce, now, textXml, type HttpResult, type Mode } from './client.js';

/**
 * Every status the webhook answers with (src/server/handler.ts, body.ts, verify.ts):
 * 200 echo / `success` / reply; 400 malformed request (parameters, XML, ciphertext);
 * 401 bad signature, stale timestamp, foreign AppID, plaintext refused; 405 other methods;
 * 408 body too slow; 413 body too large. (404 only with the `path` option, not used here;
 * 500 is the handler's last resort and must never be seen.)
 */
export const DOCUMENTED_STATUSES: ReadonlySet<number> = new Set([200, 400, 401, 405, 408, 413]);

export const CIPHER = new MessageCipher(ACCOUNT.aesKey, ACCOUNT.appId);

export interface Target {
  /** http://127.0.0.1:PORT/wechat */
  url: string;
  port: number;
  agent: Agent;
  /** Every log record the handler emitted. */
  logs: LogRecord[];
  close(): Promise<void>;
}

/** createHandler(bot) on a plain `http.createServer` on 127.0.0.1:0, with a keep-alive client agent. */
export async function listen(bot: Bot, options: Partial<HandlerOptions> = {}): Promise<Target> {
  const logs: LogRecord[] = [];
  const handler = createHandler(bot, {
    token: ACCOUNT.token,
    encodingAESKey: ACCOUNT.aesKey,
    appId: ACCOUNT.appId,
    onLog: (r) => logs.push(r),
    ...options,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    url: `http://127.0.0.1:${port}/wechat`,
    port,
    agent,
    logs,
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** startServer(bot) on 127.0.0.1:0 (its timeouts, health routes and graceful close), as a Target. */
export async function listenStarted(bot: Bot, options: Partial<ServerOptions> = {}): Promise<Target> {
  const logs: LogRecord[] = [];
  const s = await startServer(bot, {
    token: ACCOUNT.token,
    encodingAESKey: ACCOUNT.aesKey,
    appId: ACCOUNT.appId,
    host: '127.0.0.1',
    port: 0,
    onLog: (r) => logs.push(r),
    ...options,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    url: s.url,
    port: s.port,
    agent,
    logs,
    async close() {
      agent.destroy();
      await s.close();
    },
  };
}

/**
 * Encrypts raw bytes (not necessarily UTF-8) in WeChat's layout: random(16) | be32(len) | bytes | appId,
 * padded to 32 (§3.3). `pad` overrides the padding bytes to make a broken one.
 */
export function encryptBytes(message: Buffer, o: { appId?: string; pad?: Buffer } = {}): string {
  const key = decodeAesKey(ACCOUNT.aesKey);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(message.length);
  const body = Buffer.concat([randomBytes(16), len, message, Buffer.from(o.appId ?? ACCOUNT.appId)]);
  const plain = o.pad ? Buffer.concat([body, o.pad]) : pad32(body);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

export interface Req {
  method?: string;
  /** Path and query, e.g. `/wechat?signature=…`. */
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** One request over the target's keep-alive agent; the body is sent with Content-Length unless chunked is asked for. */
export function send(t: Target, r: Req): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.body !== undefined && !headers['transfer-encoding'])
      headers['content-length'] = String(Buffer.byteLength(r.body));
    const req = request(
      { host: '127.0.0.1', port: t.port, path: r.path, method: r.method ?? 'POST', headers, agent: t.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

export interface Push {
  /** `/wechat?…` */
  path: string;
  body: string;
  nonce: string;
  timestamp: string;
  /** The Encrypt value signed by msg_signature (compatible/safe mode). */
  encrypt?: string;
}

/**
 * What WeChat would send for `xml` in `mode`, signed correctly whatever the XML is. Compatible mode
 * adds `<Encrypt>` before the last `</xml>` (or at the end when there is none).
 */
export function signedPush(mode: Mode, xml: string, o: { nonce?: string; timestamp?: string } = {}): Push {
  const nonce = o.nonce ?? nextNonce();
  const timestamp = o.timestamp ?? now();
  const q = `signature=${computeSignature(ACCOUNT.token, timestamp, nonce)}&timestamp=${encodeURIComponent(timestamp)}&nonce=${encodeURIComponent(nonce)}`;
  if (mode === 'plain') return { path: `/wechat?${q}&openid=oFuzz`, body: xml, nonce, timestamp };
  const enc = CIPHER.encrypt(xml);
  const sig = computeMsgSignature(ACCOUNT.token, timestamp, nonce, enc);
  const field = `<Encrypt><![CDATA[${enc}]]></Encrypt>`;
  let body: string;
  if (mode === 'safe') body = `<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName>${field}</xml>`;
  else {
    const at = xml.lastIndexOf('</xml>');
    body = at < 0 ? xml + field : xml.slice(0, at) + field + xml.slice(at);
  }
  return {
    path: `/wechat?${q}&openid=oFuzz&encrypt_type=aes&msg_signature=${sig}`,
    body,
    nonce,
    timestamp,
    encrypt: enc,
  };
}

/** The query of a compatible/safe push whose body carries `encrypt` (any string), msg_signature computed over it. */
export function encryptedQuery(
  encrypt: string,
  o: { nonce?: string; timestamp?: string; msgSignature?: string } = {},
): string {
  const nonce = o.nonce ?? nextNonce();
  const timestamp = o.timestamp ?? now();
  const sig = o.msgSignature ?? computeMsgSignature(ACCOUNT.token, timestamp, nonce, encrypt);
  return `signature=${computeSignature(ACCOUNT.token, timestamp, nonce)}&timestamp=${encodeURIComponent(timestamp)}&nonce=${encodeURIComponent(nonce)}&encrypt_type=aes&msg_signature=${sig}`;
}

/** Asserts a status is documented, and never a 5xx. */
export function assertDocumented(r: HttpResult, what: string): void {
  assert.ok(r.status < 500, `5xx for ${what}: ${r.status} ${r.body}`);
  assert.ok(DOCUMENTED_STATUSES.has(r.status), `undocumented status ${r.status} for ${what}: ${r.body}`);
}

/**
 * Reads a 200 answer to a push as WeChat would: `success`, or reply XML that the protocol layer
 * parses; in compatible/safe mode an envelope echoing the nonce whose MsgSignature verifies and
 * whose Encrypt decrypts (with our AppID) to reply XML. Returns the plaintext reply, if any.
 */
export function readAnswer(r: HttpResult, mode: Mode, nonce: string): Reply | undefined {
  assert.equal(r.status, 200);
  if (r.body === 'success') return undefined;
  assert.match(String(r.headers['content-type']), /^application\/xml/);
  if (mode === 'plain') return parseReply(r.body);
  const env = parseEnvelope(r.body);
  // The request nonce is echoed when it reads back unchanged; otherwise the server picks digits (§3.6 allows any).
  if (nonce !== '' && nonce.trim() === nonce && !nonce.includes('\r') && stripIllegalXmlChars(nonce) === nonce)
    assert.equal(env.Nonce, nonce, 'the envelope echoes the request nonce');
  else assert.match(env.Nonce, /^\d{10}$/, 'a fresh nonce replaces one that would not read back');
  assert.match(env.TimeStamp, /^\d{10}$/);
  assert.equal(
    env.MsgSignature,
    computeMsgSignature(ACCOUNT.token, env.TimeStamp, env.Nonce, env.Encrypt),
    'envelope MsgSignature',
  );
  return parseReply(CIPHER.decrypt(env.Encrypt));
}

let aliveSeq = 0;

/** A signed text message in each mode is still echoed exactly (the bot under test echoes plain text). */
export async function assertStillAnswers(t: Target): Promise<void> {
  for (const mode of ['plain', 'compat', 'safe'] as const) {
    const content = `alive ${mode} ${++aliveSeq}`;
    const p = signedPush(mode, textXml(content));
    const r = await send(t, { path: p.path, body: p.body, headers: { 'content-type': 'text/xml' } });
    assert.equal(r.status, 200, `${mode}: ${r.body}`);
    const reply = readAnswer(r, mode, p.nonce);
    assert.equal(reply?.MsgType, 'text', mode);
    assert.equal(reply.MsgType === 'text' && reply.Content, content, mode);
  }
}

/** Records uncaught exceptions and unhandled rejections while installed. */
export function watchProcess(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    dispose() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}
