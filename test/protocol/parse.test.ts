import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XmlError } from '../../src/protocol/errors.js';
import { isEvent, isMessageType, isUserMessage } from '../../src/protocol/messages.js';
import { parseEncryptedBody, parseMessage } from '../../src/protocol/parse.js';
import { buildMessageXml } from '../../src/protocol/build-message.js';
import { sampleNames, sampleXml } from '../helpers/fixtures.js';

const common = { ToUserName: 'gh_123456789abc', FromUserName: 'oUserOpenId0000000000000000' };

// Every sample in test/fixtures/messages and the fields it must parse to, with JS types.
const expected: Record<string, Record<string, unknown>> = {
  text: { MsgType: 'text', Content: '你好', MsgId: '24212345678901234567', CreateTime: 1700000000 },
  image: {
    MsgType: 'image',
    PicUrl: 'http://mmbiz.qpic.cn/pic.jpg',
    MediaId: 'image_media_id',
    MsgId: '24212345678901234571',
  },
  voice: {
    MsgType: 'voice',
    MediaId: 'media_id',
    Format: 'amr',
    MediaId16K: 'media_id_16k',
    Recognition: '今天天气怎么样',
    MsgId: '24212345678901234568',
  },
  video: { MsgType: 'video', MediaId: 'video_media_id', ThumbMediaId: 'thumb_media_id' },
  shortvideo: { MsgType: 'shortvideo', MediaId: 'short_media_id', ThumbMediaId: 'short_thumb_id' },
  location: { MsgType: 'location', Location_X: 23.134521, Location_Y: 113.358803, Scale: 20, Label: '广州市天河区' },
  link: { MsgType: 'link', Title: 'An article', Description: 'Summary', Url: 'https://example.com/a' },
  'event-subscribe': { Event: 'subscribe', EventKey: 'qrscene_123123', Ticket: 'TICKET' },
  'event-unsubscribe': { Event: 'unsubscribe' },
  'event-scan': { Event: 'SCAN', EventKey: '123123', Ticket: 'TICKET' },
  'event-location': { Event: 'LOCATION', Latitude: 23.137466, Longitude: 113.352425, Precision: 119.38504 },
  'event-click': { Event: 'CLICK', EventKey: 'V1001_TODAY_MUSIC' },
  'event-view': { Event: 'VIEW', EventKey: 'https://example.com/menu', MenuId: '208396938' },
  'event-scancode_push': { Event: 'scancode_push', ScanCodeInfo: { ScanType: 'barcode', ScanResult: '6901234567892' } },
  'event-scancode_waitmsg': {
    Event: 'scancode_waitmsg',
    ScanCodeInfo: { ScanType: 'qrcode', ScanResult: 'https://example.com/x' },
  },
  'event-pic_photo_or_album': {
    Event: 'pic_photo_or_album',
    SendPicsInfo: { Count: 1, PicList: [{ PicMd5Sum: '5a75aaca956d97be686719218f275c6b' }] },
  },
  'event-pic_sysphoto': {
    Event: 'pic_sysphoto',
    SendPicsInfo: {
      Count: 2,
      PicList: [{ PicMd5Sum: '1b5f7c23b5bf75682a53e7b6d163e185' }, { PicMd5Sum: '2b5f7c23b5bf75682a53e7b6d163e185' }],
    },
  },
  'event-pic_weixin': {
    Event: 'pic_weixin',
    SendPicsInfo: { Count: 1, PicList: [{ PicMd5Sum: '3b5f7c23b5bf75682a53e7b6d163e185' }] },
  },
  'event-location_select': {
    Event: 'location_select',
    SendLocationInfo: { Location_X: 23, Location_Y: 113, Scale: 15, Label: '广州市海珠区', Poiname: '' },
  },
  'event-view_miniprogram': { Event: 'view_miniprogram', EventKey: 'pages/index/index', MenuId: '208396939' },
  'event-TEMPLATESENDJOBFINISH': { Event: 'TEMPLATESENDJOBFINISH', MsgID: '200163836', Status: 'success' },
  'event-MASSSENDJOBFINISH': {
    Event: 'MASSSENDJOBFINISH',
    MsgID: '1000001625',
    Status: 'send success',
    TotalCount: 100,
    FilterCount: 80,
    SentCount: 75,
    ErrorCount: 5,
  },
  'event-unknown': { MsgType: 'event', Event: 'kf_create_session', KfAccount: 'test1@test' },
  'unknown-type': { MsgType: 'miniprogrampage', Title: 'Card', MsgId: '24212345678901234574' },
};

test('every sample has an expectation', () => {
  assert.deepEqual(sampleNames(), Object.keys(expected).sort());
});

for (const [name, fields] of Object.entries(expected)) {
  test(`parses ${name} to WeChat's fields with JS types`, () => {
    const m = parseMessage(sampleXml(name)) as unknown as Record<string, unknown>;
    assert.equal(m.ToUserName, common.ToUserName);
    assert.equal(m.FromUserName, common.FromUserName);
    assert.equal(typeof m.CreateTime, 'number');
    for (const [k, v] of Object.entries(fields)) assert.deepEqual(m[k], v, `${name}.${k}`);
    if ('MsgId' in m) assert.equal(typeof m.MsgId, 'string');
  });

  test(`${name} survives build → parse as the simulator sends it`, () => {
    const m = parseMessage(sampleXml(name));
    assert.deepEqual(parseMessage(buildMessageXml(m)), m);
  });
}

test('MsgId beyond 2^53 keeps every digit and is written bare', () => {
  const m = parseMessage(sampleXml('text'));
  assert.equal(m.MsgType === 'text' && m.MsgId, '24212345678901234567');
  assert.match(buildMessageXml(m), /<MsgId>24212345678901234567<\/MsgId>/);
});

test('type guards narrow messages and events', () => {
  const m = parseMessage(sampleXml('text'));
  assert.ok(isMessageType(m, 'text') && m.Content === '你好');
  assert.ok(isUserMessage(m));
  const e = parseMessage(sampleXml('event-click'));
  assert.ok(isEvent(e, 'CLICK') && e.EventKey === 'V1001_TODAY_MUSIC');
  assert.equal(isUserMessage(e), false);
});

test('safe-mode body yields Encrypt and no plain message', () => {
  const b = parseEncryptedBody(
    '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[abc=]]></Encrypt></xml>',
  );
  assert.deepEqual(b, { ToUserName: 'gh_1', Encrypt: 'abc=' });
});

test('a body without MsgType or without Encrypt is not a message', () => {
  assert.throws(
    () => parseMessage('<xml><ToUserName>a</ToUserName></xml>'),
    (e: unknown) => e instanceof XmlError && e.code === 'XML_NOT_MESSAGE',
  );
  assert.throws(
    () => parseEncryptedBody('<xml><ToUserName>a</ToUserName></xml>'),
    (e: unknown) => e instanceof XmlError,
  );
  assert.throws(
    () =>
      parseMessage(sampleXml('text').replace('<CreateTime>1700000000</CreateTime>', '<CreateTime>soon</CreateTime>')),
    XmlError,
  );
});

test('text that mentions <!DOCTYPE inside CDATA is still a message', () => {
  const xml = sampleXml('text').replace('你好', '<!DOCTYPE html> and <constructor>');
  const m = parseMessage(xml);
  assert.equal(m.MsgType === 'text' && m.Content, '<!DOCTYPE html> and <constructor>');
});

test('whitespace and entities in CDATA content are kept exactly', () => {
  const m = parseMessage(sampleXml('text').replace('你好', '  a &amp; b\n'));
  assert.equal(m.MsgType === 'text' && m.Content, '  a &amp; b\n');
});

test('a nested element where a message promises text or a number is not a message (no object reaches a bot)', () => {
  const base = '<ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>';
  for (const body of [
    `<xml>${base}<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition><a>1</a></Recognition><MsgId>1</MsgId></xml>`,
    `<xml>${base}<MsgType>event</MsgType><Event>CLICK</Event><EventKey><k>v</k></EventKey></xml>`,
    `<xml>${base}<MsgType>text</MsgType><Content><b>hi</b></Content><MsgId>1</MsgId></xml>`,
    `<xml><ToUserName>gh_1</ToUserName><FromUserName>o1</FromUserName><CreateTime><n>1</n></CreateTime><MsgType>text</MsgType><Content>x</Content></xml>`,
  ]) {
    assert.throws(
      () => parseMessage(body),
      (e: unknown) => e instanceof XmlError && e.code === 'XML_NOT_MESSAGE',
      body,
    );
  }
  // Unknown events keep their nested structures.
  const ev = parseMessage(
    `<xml>${base}<MsgType>event</MsgType><Event>some_new_event</Event><Info><A>1</A></Info></xml>`,
  );
  assert.deepEqual((ev as unknown as { Info: unknown }).Info, { A: '1' });
});
