// Signed WeChat pushes for the benchmarks: the settings every bench target runs with, and pools of
// pre-built requests (each with its own MsgId, so retry dedupe never short-cuts the work).
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';

export const TOKEN = 'benchtoken0123456789';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const APP_ID = 'wx1234567890abcdef';
export const ENV = { ...process.env, WECHAT_TOKEN: TOKEN, WECHAT_AES_KEY: AES_KEY, WECHAT_APP_ID: APP_ID, NO_COLOR: '1' };
for (const k of Object.keys(ENV)) if (/^(TULING_|OPENAI_|REDIS_URL|WXBOT_HISTORY)/.test(k)) delete ENV[k];

// One-shot hashing and one block of random bytes for all prefixes: a pool of 100k safe-mode requests
// is built between two measurements, on the load generator's core, so building must stay quick.
const sha1 = (...parts) => hash('sha1', parts.sort().join(''));
const key = Buffer.from(`${AES_KEY}=`, 'base64');
const iv = key.subarray(0, 16);
const appId = Buffer.from(APP_ID);
function encrypt(xml, prefix) {
  const body = Buffer.from(xml);
  const plainLen = 20 + body.length + appId.length;
  const pad = 32 - (plainLen % 32);
  const plain = Buffer.allocUnsafe(plainLen + pad);
  prefix.copy(plain, 0);
  plain.writeUInt32BE(body.length, 16);
  body.copy(plain, 20);
  appId.copy(plain, 20 + body.length);
  plain.fill(pad, plainLen);
  const c = createCipheriv('aes-256-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

let msgId = 7_000_000_000_000_000_000n;
/** `size` requests ({ path, body }) for `path` in 'plain' or 'safe' mode, built up front so the load generator only sends. */
export function requestPool(path, mode, size) {
  const ts = String(Math.floor(Date.now() / 1000));
  const out = new Array(size);
  const random = mode === 'plain' ? undefined : randomBytes(16 * size);
  for (let i = 0; i < size; i++) {
    const nonce = String(100000 + i);
    const xml = `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oBenchUser${i % 1000}]]></FromUserName>` +
      `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天过得怎么样 ${i}]]></Content><MsgId>${++msgId}</MsgId></xml>`;
    const q = `signature=${sha1(TOKEN, ts, nonce)}&timestamp=${ts}&nonce=${nonce}&openid=oBenchUser`;
    if (mode === 'plain') out[i] = { path: `${path}?${q}`, body: xml };
    else {
      const enc = encrypt(xml, random.subarray(16 * i, 16 * i + 16));
      out[i] = {
        path: `${path}?${q}&encrypt_type=aes&msg_signature=${sha1(TOKEN, ts, nonce, enc)}`,
        body: `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
      };
    }
  }
  return out;
}

/**
 * Dedupe-heavy traffic, as WeChat produces it when answers are slow: `size` requests of which a share
 * `retryShare` are retries — byte-identical re-sends (same query, signature, timestamp, nonce and
 * body) of an earlier request, each original re-sent at most 3 times (§5.3). A retry re-sends one of
 * the `window` most recent originals, so some arrive while the first delivery is still being handled
 * (they wait for it) and most after it was answered (they get the stored reply). Deterministic.
 * Entries are { path, body, first }: `first` is the pool index of the original a retry repeats, -1 for originals.
 */
export function retryPool(path, mode, size, { retryShare = 0.3, window = 1000, seed = 1 } = {}) {
  const originals = requestPool(path, mode, size);
  const out = new Array(size);
  const recent = [];
  const resent = new Map();
  let next = 0;
  let x = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: the same sequence every run, so runs are comparable.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
  for (let n = 0; n < size; n++) {
    if (recent.length > 0 && random() < retryShare) {
      const k = recent[Math.floor(random() * recent.length)];
      const times = (resent.get(k) ?? 0) + 1;
      if (times <= 3) {
        resent.set(k, times);
        out[n] = { ...out[k], first: k };
        continue;
      }
    }
    out[n] = { ...originals[next++], first: -1 };
    recent.push(n);
    if (recent.length > window) recent.shift();
  }
  return out;
}

/**
 * What a reply says, for comparing a retry's answer with the first delivery's: the reply XML
 * (decrypted from its envelope in safe mode) without CreateTime, which is the time of each answer.
 * `success` and anything unreadable are returned as they are.
 */
export function replyPayload(body) {
  let xml = body;
  const enc = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(body)?.[1];
  if (enc) {
    const d = createDecipheriv('aes-256-cbc', key, iv);
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(Buffer.from(enc, 'base64')), d.final()]);
    const len = plain.readUInt32BE(16);
    xml = plain.subarray(20, 20 + len).toString('utf8');
  }
  return xml.replace(/<CreateTime>\d+<\/CreateTime>/, '');
}
