// Signed WeChat pushes for the benchmarks: the settings every bench target runs with, and pools of
// pre-built requests (each with its own MsgId, so retry dedupe never short-cuts the work).
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';

export const TOKEN = 'benchtoken0123456789';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const APP_ID = 'wx1234567890abcdef';
export const ENV = {
  ...process.env,
  WECHAT_TOKEN: TOKEN,
  WECHAT_AES_KEY: AES_KEY,
  WECHAT_APP_ID: APP_ID,
  NO_COLOR: '1',
};
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
// Nonces count on across pools: two pools built in the same second must not share timestamp+nonce, or
// the server's replay guard (a signed request seen again with another body) answers 401.
let nonceSeq = 100000;

/**
 * Requests encoded up front, all in one Buffer: request n is bytes(n), `first[n]` the index of the
 * original a retry repeats (-1 for originals). A pool of 100k+ requests as objects and strings kept
 * the generator's collector busy: concurrent marking and sweeping on its pinned core took 20-60% of
 * it during measured runs, and the load stalled for ~14 ms at a time while the server sat idle.
 * As one Buffer and typed arrays it is a handful of objects to the collector.
 */
export class RequestPool {
  constructor(data, starts, ends, first) {
    this.data = data;
    this.starts = starts;
    this.ends = ends;
    this.first = first;
  }

  get length() {
    return this.starts.length;
  }

  /** The bytes of request n, ready for the socket. */
  bytes(n) {
    return this.data.subarray(this.starts[n], this.ends[n]);
  }

  /** Request n as { path, body, first }, decoded from its bytes (for autocannon, which builds its own). */
  entry(n) {
    const s = this.bytes(n).toString('utf8');
    return { path: s.slice(5, s.indexOf(' ', 5)), body: s.slice(s.indexOf('\r\n\r\n') + 4), first: this.first[n] };
  }
}

/** Encodes `size` requests, `at(i)` giving request i's [path, body]. */
function encodePool(size, at) {
  let data = Buffer.allocUnsafe(size * 1024);
  const starts = new Uint32Array(size);
  const ends = new Uint32Array(size);
  let used = 0;
  for (let i = 0; i < size; i++) {
    const [path, body] = at(i);
    const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const need = Buffer.byteLength(head) + Buffer.byteLength(body);
    if (used + need > data.length) {
      const grown = Buffer.allocUnsafe(Math.max(data.length * 2, used + need));
      data.copy(grown, 0, 0, used);
      data = grown;
    }
    starts[i] = used;
    used += data.write(head, used, 'latin1');
    used += data.write(body, used, 'utf8');
    ends[i] = used;
  }
  return new RequestPool(data.subarray(0, used), starts, ends, new Int32Array(size).fill(-1));
}

/** `size` requests for `path` in 'plain' or 'safe' mode, built up front so the load generator only sends. */
export function requestPool(path, mode, size) {
  const ts = String(Math.floor(Date.now() / 1000));
  const random = mode === 'plain' ? undefined : randomBytes(16 * size);
  return encodePool(size, (i) => {
    const nonce = String(nonceSeq++);
    const xml =
      `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oBenchUser${i % 1000}]]></FromUserName>` +
      `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天过得怎么样 ${i}]]></Content><MsgId>${++msgId}</MsgId></xml>`;
    const q = `signature=${sha1(TOKEN, ts, nonce)}&timestamp=${ts}&nonce=${nonce}&openid=oBenchUser`;
    if (mode === 'plain') return [`${path}?${q}`, xml];
    const enc = encrypt(xml, random.subarray(16 * i, 16 * i + 16));
    return [
      `${path}?${q}&encrypt_type=aes&msg_signature=${sha1(TOKEN, ts, nonce, enc)}`,
      `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    ];
  });
}

/**
 * Dedupe-heavy traffic, as WeChat produces it when answers are slow: `size` requests of which a share
 * `retryShare` are retries — byte-identical re-sends (same query, signature, timestamp, nonce and
 * body) of an earlier request, each original re-sent at most 3 times (§5.3). A retry re-sends one of
 * the `window` most recent originals, so some arrive while the first delivery is still being handled
 * (they wait for it) and most after it was answered (they get the stored reply). Deterministic.
 * `first[n]` is the pool index of the original a retry repeats, -1 for originals; a retry's bytes are its original's.
 */
export function retryPool(path, mode, size, { retryShare = 0.3, window = 1000, seed = 1 } = {}) {
  const originals = requestPool(path, mode, size);
  const starts = new Uint32Array(size);
  const ends = new Uint32Array(size);
  const first = new Int32Array(size);
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
        starts[n] = starts[k];
        ends[n] = ends[k];
        first[n] = k;
        continue;
      }
    }
    starts[n] = originals.starts[next];
    ends[n] = originals.ends[next];
    next++;
    first[n] = -1;
    recent.push(n);
    if (recent.length > window) recent.shift();
  }
  return new RequestPool(originals.data, starts, ends, first);
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
