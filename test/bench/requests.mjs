// Signed WeChat pushes for the benchmarks: the settings every bench target runs with, and pools of
// pre-built requests (each with its own MsgId, so retry dedupe never short-cuts the work).
import { createHash, createCipheriv, randomBytes } from 'node:crypto';

export const TOKEN = 'benchtoken0123456789';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const APP_ID = 'wx1234567890abcdef';
export const ENV = { ...process.env, WECHAT_TOKEN: TOKEN, WECHAT_AES_KEY: AES_KEY, WECHAT_APP_ID: APP_ID, NO_COLOR: '1' };
for (const k of Object.keys(ENV)) if (/^(TULING_|OPENAI_|REDIS_URL|WXBOT_HISTORY)/.test(k)) delete ENV[k];

const sha1 = (...parts) => createHash('sha1').update(parts.sort().join('')).digest('hex');
const key = Buffer.from(`${AES_KEY}=`, 'base64');
function encrypt(xml) {
  const body = Buffer.from(xml);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), len, body, Buffer.from(APP_ID)]);
  const pad = 32 - (plain.length % 32);
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), c.final()]).toString('base64');
}

let msgId = 7_000_000_000_000_000_000n;
/** `size` requests ({ path, body }) for `path` in 'plain' or 'safe' mode, built up front so the load generator only sends. */
export function requestPool(path, mode, size) {
  const ts = String(Math.floor(Date.now() / 1000));
  const out = new Array(size);
  for (let i = 0; i < size; i++) {
    const nonce = String(100000 + i);
    const xml = `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oBenchUser${i % 1000}]]></FromUserName>` +
      `<CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天过得怎么样 ${i}]]></Content><MsgId>${++msgId}</MsgId></xml>`;
    const q = `signature=${sha1(TOKEN, ts, nonce)}&timestamp=${ts}&nonce=${nonce}&openid=oBenchUser`;
    if (mode === 'plain') out[i] = { path: `${path}?${q}`, body: xml };
    else {
      const enc = encrypt(xml);
      out[i] = {
        path: `${path}?${q}&encrypt_type=aes&msg_signature=${sha1(TOKEN, ts, nonce, enc)}`,
        body: `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
      };
    }
  }
  return out;
}
