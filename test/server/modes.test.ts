import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { KNOWN_EVENT_TYPES, type WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { sampleNames, sampleXml } from '../helpers/fixtures.js';
import { ACCOUNT, push, type Mode } from './client.js';

// Replies with what it understood, so each case proves parsing and routing, not just "something came back".
function describe(m: WechatMessage): string {
  const x = m as unknown as Record<string, unknown>;
  switch (m.MsgType) {
    case 'text':
      return `text:${String(x.Content)}`;
    case 'image':
      return `image:${String(x.PicUrl)}`;
    case 'voice':
      return `voice:${String(x.Recognition)}`;
    case 'video':
    case 'shortvideo':
      return `${m.MsgType}:${String(x.MediaId)}`;
    case 'location':
      return `location:${String(x.Label)}:${String(x.Location_X)}`;
    case 'link':
      return `link:${String(x.Url)}`;
    default:
      return `event:${String(x.Event)}:${String(x.EventKey ?? '')}`;
  }
}

let server: RunningServer;
/** The message each handler run saw, by sender: what the server decrypted and parsed. */
const seen = new Map<string, WechatMessage>();
before(async () => {
  const record = (m: WechatMessage) => {
    seen.set(m.FromUserName, m);
    return describe(m);
  };
  const bot = createBot()
    .on(['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link'], (ctx) => record(ctx.message))
    .event(KNOWN_EVENT_TYPES, (ctx) => record(ctx.message));
  // Unknown types and events fall through: no fallback, so `success`.
  server = await startServer(bot, { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 });
});
after(() => server.close());

/**
 * The sample made distinct for each mode: its own sender, CreateTime, MsgId and text, so no case is
 * answered from the dedupe store with another mode's reply, and a wrong decryption shows.
 */
function distinct(xml: string, name: string, mode: Mode, k: number): string {
  const unique = BigInt(1 + sampleNames().indexOf(name)) * 10n + BigInt(k);
  return xml
    .replace(
      /<FromUserName><!\[CDATA\[[^\]]*\]\]><\/FromUserName>/,
      `<FromUserName><![CDATA[o${mode}_${name}]]></FromUserName>`,
    )
    .replace(/<CreateTime>(\d+)<\/CreateTime>/, (_, t: string) => `<CreateTime>${Number(t) + 1000 * k}</CreateTime>`)
    .replace(/<MsgId>(\d+)<\/MsgId>/, (_, id: string) => `<MsgId>${BigInt(id) + unique * 1_000_000n}</MsgId>`)
    .replace(/<Content><!\[CDATA\[([^\]]*)\]\]><\/Content>/, `<Content><![CDATA[$1 (${mode})]]></Content>`);
}

const modes: Mode[] = ['plain', 'compat', 'safe'];
for (const name of sampleNames()) {
  for (const [k, mode] of modes.entries()) {
    test(`${name} in ${mode} mode gets the right reply`, async () => {
      const xml = distinct(sampleXml(name), name, mode, k);
      const m = parseMessage(xml);
      assert.equal(m.FromUserName, `o${mode}_${name}`);
      const r = await push(server.url, xml, mode);
      assert.equal(r.status, 200);
      if (name === 'unknown-type' || name === 'event-unknown') {
        assert.equal(r.body, 'success', 'unknown types/events answer success');
        assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
        return;
      }
      assert.ok(r.reply, `expected a reply, got ${r.body.slice(0, 80)}`);
      // Every field the bot saw is the one sent, whatever the mode's decryption and parsing.
      assert.deepEqual(seen.get(m.FromUserName), m);
      assert.equal(r.reply.MsgType, 'text');
      assert.equal(r.reply.MsgType === 'text' && r.reply.Content, describe(m));
      assert.equal(r.reply.ToUserName, m.FromUserName, 'To/From swapped');
      assert.equal(r.reply.FromUserName, m.ToUserName);
      assert.ok(Math.abs(r.reply.CreateTime - Date.now() / 1000) < 60, 'CreateTime in seconds');
      assert.equal(r.headers['content-type'], 'application/xml; charset=utf-8');
      if (mode !== 'plain') assert.match(r.body, /^<xml>\s*<Encrypt>/, 'encrypted envelope');
    });
  }
}

test('safe-mode envelopes carry the right Content-Length whatever the nonce: digits, or text that needs UTF-8', async () => {
  const { MessageCipher } = await import('../../src/protocol/crypto.js');
  const { computeMsgSignature } = await import('../../src/protocol/signature.js');
  const { http, decode, textXml } = await import('./client.js');
  const cipher = new MessageCipher(ACCOUNT.aesKey, ACCOUNT.appId);
  for (const nonce of ['123456789', '随机数', 'nonce😀']) {
    const ts = String(Math.floor(Date.now() / 1000));
    const enc = cipher.encrypt(textXml('你好'));
    const q = new URLSearchParams({
      timestamp: ts,
      nonce,
      encrypt_type: 'aes',
      msg_signature: computeMsgSignature(ACCOUNT.token, ts, nonce, enc),
    });
    const r = await http(`${server.url}?${q}`, {
      method: 'POST',
      body: `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    });
    assert.equal(r.status, 200, nonce);
    assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body), nonce);
    assert.ok(r.body.includes(`<Nonce><![CDATA[${nonce}]]></Nonce>`), r.body);
    assert.equal(decode(r, 'safe').reply?.MsgType, 'text');
  }
});
