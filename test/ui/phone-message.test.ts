import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhoneInputError, phoneMessage } from '../../src/ui/phone-message.js';

const user = { from: 'oPhone', to: 'gh_account' };
const sent = (kind: string, fields: Record<string, unknown>) =>
  phoneMessage(kind, { kind, ...fields }, user) as unknown as Record<string, unknown>;
const refused = (kind: string, fields: Record<string, unknown>, why: RegExp) =>
  assert.throws(
    () => phoneMessage(kind, fields, user),
    (e: unknown) => e instanceof PhoneInputError && why.test(e.message),
  );

test("the composer's actions send their kind, fields named as the kind's arguments and options", () => {
  assert.equal(sent('text', { content: '你好' }).Content, '你好');
  assert.equal(sent('image', { url: 'https://e.com/p.jpg' }).PicUrl, 'https://e.com/p.jpg');
  assert.equal(sent('voice', { recognition: '天气' }).Recognition, '天气');
  assert.equal(sent('video', {}).MsgType, 'video');
  const loc = sent('location', { lat: 23.1, lng: '113.3', label: '广州塔' });
  assert.deepEqual([loc.Location_X, loc.Location_Y, loc.Label], [23.1, 113.3, '广州塔']);
  const link = sent('link', { url: 'https://e.com', title: 'T', description: 'D' });
  assert.deepEqual([link.Url, link.Title, link.Description], ['https://e.com', 'T', 'D']);
  assert.equal(sent('subscribe', { scene: '7' }).EventKey, 'qrscene_7');
  assert.equal('EventKey' in sent('subscribe', { scene: '' }), false);
  assert.equal(sent('unsubscribe', {}).Event, 'unsubscribe');
  assert.equal(sent('scan', { scene: '1001' }).EventKey, '1001');
});

test('each custom-menu button type sends the event WeChat sends for it', () => {
  const menu = (type: string, fields: Record<string, unknown> = {}) => sent('menu', { type, ...fields });
  assert.deepEqual([menu('click', { key: 'K' }).Event, menu('click', { key: 'K' }).EventKey], ['CLICK', 'K']);
  assert.equal(menu('view', { url: 'https://e.com' }).Event, 'VIEW');
  assert.equal(menu('miniprogram', { pagepath: 'pages/a' }).Event, 'view_miniprogram');
  for (const type of ['scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin'])
    assert.deepEqual([menu(type, { key: 'K' }).Event, menu(type, { key: 'K' }).EventKey], [type, 'K']);
  const picked = menu('location_select', { key: 'L', lat: '23.1', lng: '113.3', label: '塔' });
  assert.equal((picked.SendLocationInfo as { Label: string }).Label, '塔');
});

test('what a form would refuse is a PhoneInputError saying what is wrong', () => {
  refused('nope', {}, /^unknown kind "nope"; one of text, image, .*, menu$/);
  refused('text', { content: '  ' }, /^content is needed$/);
  refused('image', { url: 42n }, /^url must be text$/);
  refused('location', { lat: '23', lng: '' }, /^lng is needed$/);
  refused('location', { lat: 'north', lng: '1' }, /^lat must be a number, got "north"$/);
  refused('location', { lat: '200', lng: '1' }, /^lat must be from -90 to 90, got 200$/);
  refused('menu', { type: 'media_id' }, /^a media_id menu button sends no message to the server$/);
  refused('menu', { type: 'subscribe', key: 'K' }, /^a subscribe menu button sends no message to the server$/);
  refused('menu', { type: 'click' }, /^key is needed$/);
});
