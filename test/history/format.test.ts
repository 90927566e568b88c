import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryEntry } from '../../src/history/entry.js';
import { formatHistoryLine, replyPreview, requestPreview } from '../../src/history/format.js';

const e: HistoryEntry = {
  id: 12,
  at: '2024-01-01T10:42:07.000Z',
  method: 'POST',
  path: '/wechat',
  query: {},
  body: '',
  mode: 'safe',
  message: null,
  msgType: 'text',
  content: '你好\n世界',
  status: 200,
  latencyMs: 35,
  reply:
    '<xml><ToUserName><![CDATA[o]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好呀]]></Content></xml>',
};

test('one line per exchange: id, mode, status, latency, what came in and what went out', () => {
  const line = formatHistoryLine(e);
  assert.match(line, /^ {2}12 {2}\d\d:\d\d:\d\d {2}safe {7}200 {5}35ms {2}text 你好 世界 {2}→ {2}你好呀$/);
});

test('previews for events, verification, news and non-XML replies', () => {
  assert.equal(requestPreview({ ...e, msgType: 'event', event: 'subscribe' }), 'event subscribe');
  assert.equal(requestPreview({ ...e, mode: 'verify' }), 'GET verify');
  assert.equal(requestPreview({ ...e, msgType: undefined, error: 'bad signature' }), '(bad signature)');
  assert.equal(
    replyPreview(
      '<xml><MsgType><![CDATA[news]]></MsgType><Articles><item><Title><![CDATA[Hello]]></Title></item></Articles></xml>',
    ),
    '[news] Hello',
  );
  assert.equal(replyPreview('success'), 'success');
  assert.equal(replyPreview(''), '(empty)');
  assert.equal(replyPreview(null), '(no reply)');
  assert.equal(replyPreview('x'.repeat(100)).length, 40);
});

test('the reply preview reads the XML as WeChat does: CDATA split around ]]>, entities, titles', () => {
  const reply = (content: string) => `<xml><MsgType><![CDATA[text]]></MsgType><Content>${content}</Content></xml>`;
  // How wxbot (and most SDKs) write a `]]>` inside a reply: two CDATA sections.
  assert.equal(replyPreview(reply('<![CDATA[😀 <b>&amp; "q" ]]]]><![CDATA[> end]]>')), '😀 <b>&amp; "q" ]]> end');
  // A server that escapes instead of using CDATA.
  assert.equal(replyPreview(reply('a &lt;b&gt; &amp;amp; &quot;q&quot; ]]&gt; end')), 'a <b> &amp; "q" ]]> end');
  assert.equal(
    replyPreview('<xml><MsgType>video</MsgType><Video><MediaId>m</MediaId><Title>A &amp; B</Title></Video></xml>'),
    '[video] A & B',
  );
  assert.equal(replyPreview('<xml><MsgType>image</MsgType><Image><MediaId>m</MediaId></Image></xml>'), '[image]');
  assert.equal(replyPreview('<xml><MsgType>text'), '<xml><MsgType>text');
});
