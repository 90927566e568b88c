import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
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

const KNOWN_EVENTS = [
  'subscribe',
  'unsubscribe',
  'SCAN',
  'LOCATION',
  'CLICK',
  'VIEW',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
  'view_miniprogram',
  'TEMPLATESENDJOBFINISH',
  'MASSSENDJOBFINISH',
];

let server: RunningServer;
before(async () => {
  const bot = createBot()
    .on(['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link'], (ctx) => describe(ctx.message))
    .event(KNOWN_EVENTS, (ctx) => describe(ctx.message));
  // Unknown types and events fall through: no fallback, so `success`.
  server = await startServer(bot, { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 });
});
after(() => server.close());

const modes: Mode[] = ['plain', 'compat', 'safe'];
for (const name of sampleNames()) {
  for (const mode of modes) {
    test(`${name} in ${mode} mode gets the right reply`, async () => {
      const xml = sampleXml(name);
      const m = parseMessage(xml);
      const r = await push(server.url, xml, mode);
      assert.equal(r.status, 200);
      if (name === 'unknown-type' || name === 'event-unknown') {
        assert.equal(r.body, 'success', 'unknown types/events answer success');
        assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
        return;
      }
      assert.ok(r.reply, `expected a reply, got ${r.body.slice(0, 80)}`);
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
