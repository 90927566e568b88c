import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapTulingResults } from '../../src/providers/index.js';
import { TULING_SAMPLES } from '../fakes/tuling.js';

const results = (x: { results?: readonly unknown[] }) => [...(x.results ?? [])] as never[];

test('text → the text', () => {
  assert.equal(mapTulingResults([{ groupType: 0, resultType: 'text', values: { text: '你好呀' } }]), '你好呀');
});

test('url → appended to the text, in result order (§7.3 example)', () => {
  assert.equal(
    mapTulingResults(results(TULING_SAMPLES.url)),
    'http://m.elong.com/hotel/0101/nlist/#indate=2016-12-10\n亲，已帮你找到相关酒店信息',
  );
});

test('news → a 1-item news reply by default, the accompanying text not lost', () => {
  assert.deepEqual(mapTulingResults(results(TULING_SAMPLES.news)), {
    MsgType: 'news',
    Articles: [
      { Title: '头条一', Description: '来源一', PicUrl: 'https://example.com/1.jpg', Url: 'https://example.com/n/1' },
    ],
  });
});

test('news → a numbered text list when asked', () => {
  assert.equal(
    mapTulingResults(results(TULING_SAMPLES.news), { newsAs: 'text' }),
    '亲，已帮您找到相关新闻\n1. 头条一 — 来源一\nhttps://example.com/n/1\n2. 头条二 — 来源二\nhttps://example.com/n/2',
  );
});

test('image / video URLs become text (WeChat needs a MediaId, §7.7)', () => {
  assert.equal(mapTulingResults(results(TULING_SAMPLES.image)), 'https://example.com/cat.jpg');
  assert.equal(mapTulingResults(results(TULING_SAMPLES.video)), 'https://example.com/v.mp4');
});

test('a voice result grouped with the same text is dropped as redundant; alone it is kept', () => {
  assert.equal(mapTulingResults(results(TULING_SAMPLES.voice)), '给你讲个故事');
  assert.equal(
    mapTulingResults([{ groupType: 0, resultType: 'voice', values: { voice: 'https://e.com/a.mp3' } }]),
    'https://e.com/a.mp3',
  );
});

test('news items with other field names are read defensively; junk items are skipped', () => {
  const r = mapTulingResults([
    { resultType: 'news', values: { news: [null, 7, {}, { title: 'T', url: 'https://u' }] } },
  ]);
  assert.deepEqual(r, { MsgType: 'news', Articles: [{ Title: 'T', Url: 'https://u' }] });
});

test('nothing usable → undefined (the provider turns it into BAD_RESPONSE)', () => {
  assert.equal(mapTulingResults([]), undefined);
  assert.equal(mapTulingResults([{ resultType: 'text', values: { text: '   ' } }, { resultType: 'weird' }]), undefined);
});

test('a very long text is fitted to a WeChat text reply', () => {
  const r = mapTulingResults([{ resultType: 'text', values: { text: '长'.repeat(2000) } }]) as string;
  assert.ok(Buffer.byteLength(r) <= 2048);
  assert.ok(r.endsWith('…'));
});
