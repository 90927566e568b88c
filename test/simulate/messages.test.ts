import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { buildMessageXml } from '../../src/protocol/build-message.js';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { parseEncryptedBody, parseMessage } from '../../src/protocol/parse.js';
import { verifyMsgSignature, verifySignature } from '../../src/protocol/signature.js';
import { parseXml } from '../../src/protocol/xml.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_OPENID, newMsgId } from '../../src/simulate/ids.js';
import * as m from '../../src/simulate/messages.js';
import { buildPushRequest } from '../../src/simulate/push.js';
import { SimulateError } from '../../src/simulate/errors.js';
import { sampleXml, vectors } from '../helpers/fixtures.js';

const TOKEN = 'tok123';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wx2c2769f8efd9abc2';
const user = { now: 1700000000_000 };

// The XML's skeleton: element order and nesting, with CDATA shown as C and bare text as B.
function shape(xml: string): string {
  return xml
    .replace(/>\s+</g, '><')
    .trim()
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '\u0001')
    .replace(/>[^<\u0001]+</g, '>B<')
    .replaceAll('\u0001', 'C');
}

const cases: [fixture: string, build: () => WechatMessage][] = [
  ['text', () => m.textMessage('你好', user)],
  ['image', () => m.imageMessage('http://mmbiz.qpic.cn/pic.jpg', user)],
  ['voice', () => m.voiceMessage({ recognition: '今天天气怎么样' }, user)],
  ['video', () => m.videoMessage({}, user)],
  ['shortvideo', () => m.shortVideoMessage({}, user)],
  ['location', () => m.locationMessage(23.134521, 113.358803, { label: '广州市天河区', scale: 20 }, user)],
  ['link', () => m.linkMessage('https://example.com/a', { title: 'An article', description: 'Summary' }, user)],
  ['event-subscribe', () => m.subscribeEvent('123123', user)],
  ['event-unsubscribe', () => m.unsubscribeEvent(user)],
  ['event-scan', () => m.scanEvent('123123', user)],
  ['event-click', () => m.clickEvent('V1001_TODAY_MUSIC', user)],
  ['event-view', () => m.viewEvent('https://example.com/menu', {}, user)],
  ['event-view_miniprogram', () => m.viewMiniprogramEvent('pages/index/index', {}, user)],
  ['event-location', () => m.locationEvent(23.137466, 113.352425, { precision: 119.38504 }, user)],
  [
    'event-scancode_push',
    () => m.scanCodeEvent('scancode_push', 'SCAN_PUSH', { scanType: 'barcode', result: '6901234567892' }, user),
  ],
  ['event-scancode_waitmsg', () => m.scanCodeEvent('scancode_waitmsg', 'SCAN_KEY', {}, user)],
  ['event-pic_sysphoto', () => m.picEvent('pic_sysphoto', 'PIC_SYS', { count: 2 }, user)],
  ['event-pic_photo_or_album', () => m.picEvent('pic_photo_or_album', 'PIC_KEY', {}, user)],
  ['event-pic_weixin', () => m.picEvent('pic_weixin', 'PIC_WX', {}, user)],
  ['event-location_select', () => m.locationSelectEvent('LOC_KEY', 23, 113, { label: '广州市海珠区' }, user)],
  ['event-TEMPLATESENDJOBFINISH', () => m.templateSendJobFinishEvent({}, user)],
  ['event-MASSSENDJOBFINISH', () => m.massSendJobFinishEvent({}, user)],
  ['event-unknown', () => m.customEvent('kf_create_session', { KfAccount: 'test1@test' }, user)],
];

for (const [fixture, build] of cases) {
  test(`${fixture}: same elements, order, nesting and CDATA/bare choice as WeChat's push`, () => {
    const xml = buildMessageXml(build());
    assert.equal(shape(xml), shape(sampleXml(fixture)));
    // And it parses back as the same kind of message.
    const back = parseMessage(xml);
    const sample = parseMessage(sampleXml(fixture));
    assert.equal(back.MsgType, sample.MsgType);
    assert.equal((back as { Event?: string }).Event, (sample as { Event?: string }).Event);
  });
}

test('user messages carry a 19-digit 64-bit MsgId; events carry none', () => {
  for (let i = 0; i < 50; i++) {
    const id = newMsgId();
    assert.match(id, /^\d{19}$/);
    assert.ok(BigInt(id) < 2n ** 63n && BigInt(id) > 2n ** 53n);
  }
  assert.notEqual(m.textMessage('a').MsgId, m.textMessage('a').MsgId);
  assert.equal('MsgId' in m.clickEvent('K'), false);
  assert.equal('MsgId' in m.subscribeEvent(), false);
});

test('defaults: the fixed fake OpenID (28 chars), gh_ account, CreateTime in seconds', () => {
  const t = m.textMessage('x', { now: 1700000123_456 });
  assert.equal(t.FromUserName, DEFAULT_OPENID);
  assert.equal(DEFAULT_OPENID.length, 28);
  assert.equal(t.ToUserName, DEFAULT_ACCOUNT_ID);
  assert.match(DEFAULT_ACCOUNT_ID, /^gh_[0-9a-f]{12}$/);
  assert.equal(t.CreateTime, 1700000123);
  const now = m.textMessage('x').CreateTime;
  assert.ok(Math.abs(now - Date.now() / 1000) < 5);
});

test('a plain follow has no EventKey; a QR follow has qrscene_ + Ticket; SCAN has the bare scene', () => {
  assert.equal(m.subscribeEvent().EventKey, undefined);
  const qr = m.subscribeEvent('42');
  assert.equal(qr.EventKey, 'qrscene_42');
  assert.ok(qr.Ticket && qr.Ticket.length > 20);
  assert.equal(m.scanEvent('42').EventKey, '42');
});

test('voice without --recognition has no Recognition element (recognition off)', () => {
  assert.doesNotMatch(buildMessageXml(m.voiceMessage()), /Recognition/);
  assert.match(buildMessageXml(m.voiceMessage({ recognition: '' })), /<Recognition><!\[CDATA\[\]\]><\/Recognition>/);
});

test('plaintext push: signed query, body is the message XML', () => {
  const msg = m.textMessage('你好');
  const req = buildPushRequest(
    'http://h/wechat',
    msg,
    { token: TOKEN, mode: 'plain' },
    { timestamp: '1700000000', nonce: '123456789' },
  );
  assert.equal(req.body, buildMessageXml(msg));
  assert.deepEqual(Object.keys(req.query), ['signature', 'timestamp', 'nonce', 'openid']);
  assert.ok(
    verifySignature({ token: TOKEN, timestamp: '1700000000', nonce: '123456789', signature: req.query.signature! }),
  );
  assert.equal(req.query.openid, msg.FromUserName);
  assert.equal(
    req.url,
    `http://h/wechat?signature=${req.query.signature}&timestamp=1700000000&nonce=123456789&openid=${DEFAULT_OPENID}`,
  );
});

test('safe-mode push: only ToUserName and Encrypt; msg_signature verifies; payload decrypts with the AppID', () => {
  const msg = m.clickEvent('KEY');
  const req = buildPushRequest('http://h/wechat?x=1', msg, { token: TOKEN, mode: 'safe', aesKey: AES, appId: APP });
  assert.ok(req.url.startsWith('http://h/wechat?x=1&signature='));
  assert.deepEqual(Object.keys(parseXml(req.body)), ['ToUserName', 'Encrypt']);
  const { Encrypt } = parseEncryptedBody(req.body);
  assert.equal(req.query.encrypt_type, 'aes');
  assert.ok(
    verifyMsgSignature({
      token: TOKEN,
      timestamp: req.query.timestamp!,
      nonce: req.query.nonce!,
      encrypt: Encrypt,
      msgSignature: req.query.msg_signature!,
    }),
  );
  assert.ok(
    verifySignature({
      token: TOKEN,
      timestamp: req.query.timestamp!,
      nonce: req.query.nonce!,
      signature: req.query.signature!,
    }),
  );
  assert.equal(new MessageCipher(AES, APP).decrypt(Encrypt), req.xml);
});

test("compat-mode push: the plaintext part is byte-identical to the official Python sample's", () => {
  const v = vectors.find((x) => x.name === 'oa_official_python_sample_compat_mode_decrypt')!;
  const msg = m.textMessage('abcdteT', {
    from: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs',
    to: 'gh_10f6c3c3ac5a',
    now: 1409735668_000,
    msgId: '6054768590064713728',
  });
  const req = buildPushRequest(
    'http://h/',
    msg,
    { token: v.token, mode: 'compat', aesKey: v.encodingAESKey!, appId: v.appId! },
    { timestamp: v.timestamp, nonce: v.nonce },
  );
  const cut = (s: string) => s.slice(0, s.indexOf('<Encrypt>'));
  assert.equal(cut(req.body), cut(v.requestBody!));
  const parsed = parseEncryptedBody(req.body);
  assert.equal(parsed.plain?.MsgType, 'text');
  assert.equal(new MessageCipher(v.encodingAESKey!, v.appId!).decrypt(parsed.Encrypt), req.xml);
});

test('compat/safe without an AES key or AppID is a configuration error, not a crash', () => {
  const msg = m.textMessage('x');
  assert.throws(
    () => buildPushRequest('http://h/', msg, { token: TOKEN, mode: 'safe' }),
    (e: unknown) => e instanceof SimulateError && e.code === 'SIMULATE_CONFIG' && /EncodingAESKey/.test(e.message),
  );
  assert.throws(() => buildPushRequest('http://h/', msg, { token: TOKEN, mode: 'compat', aesKey: AES }), /AppID/);
  assert.throws(
    () => buildPushRequest('http://h/', msg, { token: TOKEN, mode: 'safe', aesKey: 'short', appId: APP }),
    /43/,
  );
  assert.throws(() => buildPushRequest('http://h/', msg, { token: '', mode: 'plain' }), /Token/);
});
