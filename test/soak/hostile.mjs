// The hostile share of the soak: forged, replayed, malformed, oversized and misdirected requests,
// each with the status docs/cli/serve.md documents for `wxbot serve` (section "What `wxbot serve` answers").
import { randomBytes, randomInt } from 'node:crypto';
import * as wx from '../../dist/index.js';
import { PATH, freshOpenId } from './traffic.mjs';

const pick = (list) => list[randomInt(list.length)];
// 1.5 MiB: over the 1 MiB body limit. Built once; every oversized request sends the same bytes.
const OVERSIZED = Buffer.alloc(1.5 * 1024 * 1024, 'x');

function flipHex(sig) {
  const i = randomInt(sig.length);
  return sig.slice(0, i) + (sig[i] === '0' ? '1' : '0') + sig.slice(i + 1);
}

const msg = () => wx.textMessage(`hostile ${randomInt(1e9)}`, { from: freshOpenId() });
const signedQuery = (token, timestamp = String(wx.unixSeconds()), nonce = wx.newNonce()) => ({
  signature: wx.computeSignature(token, timestamp, nonce),
  timestamp,
  nonce,
});
const url = (q) => `${PATH}?${new URLSearchParams(q)}`;

/** A correctly signed plaintext push whose body is `body`: it gets past the signature to the parser. */
const signedBody = (account, body) => ({ method: 'POST', path: url(signedQuery(account.token)), body });

/** A safe-mode push whose Encrypt is `encrypt`, with a msg_signature that matches it. */
function signedEncrypt(account, encrypt) {
  const timestamp = String(wx.unixSeconds());
  const nonce = wx.newNonce();
  const q = {
    ...signedQuery(account.token, timestamp, nonce),
    encrypt_type: 'aes',
    msg_signature: wx.computeMsgSignature(account.token, timestamp, nonce, encrypt),
  };
  return {
    method: 'POST',
    path: url(q),
    body: `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}

async function* chunked() {
  // No Content-Length: the server finds out while reading.
  for (let sent = 0; sent < OVERSIZED.length; sent += 64 * 1024) yield OVERSIZED.subarray(sent, sent + 64 * 1024);
}

/** name → [weight, build] where build returns { method, path, body?, headers?, status, close?, allow? }. */
export function hostileKinds(account) {
  const otherKey = wx.generateEncodingAESKey();
  return {
    'bad signature': [
      2,
      () => {
        const p = wx.buildPushRequest(PATH, msg(), { ...account, mode: 'plain' });
        return {
          method: 'POST',
          path: p.url.replace(/signature=([0-9a-f]{40})/, (_, s) => `signature=${flipHex(s)}`),
          body: p.body,
          status: 401,
        };
      },
    ],
    'bad msg_signature': [
      2,
      () => {
        const p = wx.buildPushRequest(PATH, msg(), { ...account, mode: 'safe' });
        return {
          method: 'POST',
          path: p.url.replace(/msg_signature=([0-9a-f]{40})/, (_, s) => `msg_signature=${flipHex(s)}`),
          body: p.body,
          status: 401,
        };
      },
    ],
    'AppID not ours': [
      1,
      () => {
        const p = wx.buildPushRequest(PATH, msg(), {
          ...account,
          appId: `wx${randomBytes(8).toString('hex')}`,
          mode: pick(['safe', 'compat']),
        });
        return { method: 'POST', path: p.url, body: p.body, status: 401 };
      },
    ],
    'MsgId over 20 digits': [
      1,
      () => {
        // A 64-bit id has at most 20 digits: anything longer would be kept as a dedupe key.
        const m = { ...msg(), MsgId: '9'.repeat(pick([21, 4096])) };
        const p = wx.buildPushRequest(PATH, m, { ...account, mode: pick(['plain', 'safe']) });
        return { method: 'POST', path: p.url, body: p.body, status: 400 };
      },
    ],
    'stale timestamp (replay)': [
      2,
      () => {
        const skew = pick([-1, 1]) * randomInt(301, 86_400);
        const p = wx.buildPushRequest(
          PATH,
          msg(),
          { ...account, mode: pick(['plain', 'safe']) },
          { timestamp: String(wx.unixSeconds() + skew) },
        );
        return { method: 'POST', path: p.url, body: p.body, status: 401 };
      },
    ],
    'missing signature': [
      1,
      () => ({
        method: 'POST',
        path: url({ timestamp: String(wx.unixSeconds()), nonce: wx.newNonce() }),
        body: wx.buildMessageXml(msg()),
        status: 400,
      }),
    ],
    'encrypt_type=aes, no msg_signature': [
      1,
      () => ({
        method: 'POST',
        path: url({ ...signedQuery(account.token), encrypt_type: 'aes' }),
        body: '<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>',
        status: 400,
      }),
    ],
    'malformed XML': [
      2,
      () => {
        const xml = wx.buildMessageXml(msg());
        const body = pick([
          xml.slice(0, randomInt(10, xml.length - 8)),
          '{"MsgType":"text"}',
          randomBytes(200).toString('latin1'),
          '<xml><a></b></xml>',
          '',
        ]);
        return { ...signedBody(account, body), status: 400 };
      },
    ],
    'DOCTYPE (XXE, billion laughs)': [
      2,
      () => {
        const doctype = pick([
          '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
          '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        ]);
        const body = `<?xml version="1.0"?>${doctype}<xml><ToUserName>gh_x</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;&c;</Content><MsgId>1</MsgId></xml>`;
        return { ...signedBody(account, body), status: 400 };
      },
    ],
    'bad ciphertext': [
      2,
      () => {
        const encrypt = pick([
          randomBytes(randomInt(1, 40) * 16 + randomInt(1, 16)).toString('base64'), // not a multiple of 16
          randomBytes(randomInt(2, 40) * 32).toString('base64'), // bad padding / layout
          new wx.MessageCipher(otherKey, account.appId).encrypt(wx.buildMessageXml(msg())), // someone else's EncodingAESKey
          'not*base64!',
        ]);
        return { ...signedEncrypt(account, encrypt), status: 400 };
      },
    ],
    'oversized body (Content-Length)': [1, () => ({ ...signedBody(account, OVERSIZED), status: 413, close: true })],
    'oversized body (chunked)': [1, () => ({ ...signedBody(account, chunked()), status: 413, close: true })],
    'wrong method': [
      2,
      () => {
        const p = wx.buildPushRequest(PATH, msg(), { ...account, mode: 'plain' });
        return { method: pick(['PUT', 'DELETE', 'PATCH']), path: p.url, body: p.body, status: 405, allow: 'GET, POST' };
      },
    ],
    'wrong path': [
      1,
      () => {
        const p = wx.buildPushRequest('/wechat/other', msg(), { ...account, mode: 'plain' });
        return { method: 'POST', path: p.url, body: p.body, status: 404 };
      },
    ],
    'GET bad signature': [
      1,
      () => {
        const q = { ...signedQuery(account.token), echostr: wx.newEchostr() };
        q.signature = flipHex(q.signature);
        return { method: 'GET', path: url(q), status: 401 };
      },
    ],
    'GET without echostr': [1, () => ({ method: 'GET', path: url(signedQuery(account.token)), status: 400 })],
  };
}
