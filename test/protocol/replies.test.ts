import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../src/protocol/parse.js';
import {
  buildReplyXml,
  imageReply,
  musicReply,
  newsReply,
  parseReply,
  renderReply,
  replyHeader,
  textReply,
  transferReply,
  videoReply,
  voiceReply,
  type ReplyBody,
} from '../../src/protocol/replies.js';
import { sampleXml } from '../helpers/fixtures.js';

const incoming = parseMessage(sampleXml('text'));
const click = parseMessage(sampleXml('event-click'));
const NOW = 1700000200_000;

test('reply header swaps To and From and uses seconds', () => {
  assert.deepEqual(replyHeader(incoming, NOW), {
    ToUserName: 'oUserOpenId0000000000000000',
    FromUserName: 'gh_123456789abc',
    CreateTime: 1700000200,
  });
});

test('text reply matches the documented XML', () => {
  assert.equal(
    renderReply(incoming, textReply('你好！'), NOW),
    '<xml><ToUserName><![CDATA[oUserOpenId0000000000000000]]></ToUserName><FromUserName><![CDATA[gh_123456789abc]]></FromUserName>' +
      '<CreateTime>1700000200</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好！]]></Content></xml>',
  );
});

const bodies: ReplyBody[] = [
  textReply('hello'),
  imageReply('MEDIA_ID'),
  voiceReply('MEDIA_ID'),
  videoReply('MEDIA_ID', 'Title', 'Description'),
  musicReply({
    Title: 'Song',
    Description: 'Artist',
    MusicUrl: 'http://example.com/a.mp3',
    HQMusicUrl: 'http://example.com/a-hq.mp3',
    ThumbMediaId: 'THUMB',
  }),
  newsReply({
    Title: 'Title',
    Description: 'Description',
    PicUrl: 'https://example.com/c.jpg',
    Url: 'https://example.com/a',
  }),
  transferReply(),
  transferReply('test1@test'),
];

for (const body of bodies) {
  test(`${body.MsgType} reply builds and parses back`, () => {
    const xml = renderReply(click, body, NOW);
    const back = parseReply(xml) as unknown as Record<string, unknown>;
    const { ArticleCount, ...rest } = back;
    if (body.MsgType === 'news') assert.equal(ArticleCount, 1);
    assert.deepEqual(rest, { ...replyHeader(click, NOW), ...JSON.parse(JSON.stringify(body)) });
  });
}

test("a video reply's ThumbMediaId (for a late customer-service message) stays out of the passive reply XML", () => {
  const xml = renderReply(incoming, videoReply('MEDIA_ID', 'Title', 'Description', 'THUMB'), NOW);
  assert.equal(xml, renderReply(incoming, videoReply('MEDIA_ID', 'Title', 'Description'), NOW));
  assert.doesNotMatch(xml, /Thumb/);
  assert.match(xml, /<Video><MediaId><!\[CDATA\[MEDIA_ID\]\]><\/MediaId><Title><!\[CDATA\[Title\]\]><\/Title>/);
});

test('news answering a user message keeps 1 article; an event keeps up to 8', () => {
  const many = newsReply(Array.from({ length: 10 }, (_, i) => ({ Title: `t${i}`, Url: `https://e.com/${i}` })));
  const toUser = parseReply(renderReply(incoming, many, NOW));
  assert.equal(toUser.MsgType === 'news' && toUser.Articles.length, 1);
  assert.equal(toUser.ArticleCount, 1);
  const toEvent = parseReply(renderReply(click, many, NOW));
  assert.equal(toEvent.MsgType === 'news' && toEvent.Articles.length, 8);
  assert.match(buildReplyXml({ ...replyHeader(click, NOW), ...many }, 3), /<ArticleCount>3<\/ArticleCount>/);
});

test('values with ]]> and illegal control characters stay well-formed', () => {
  const xml = renderReply(incoming, textReply('a]]>b\u0000c\u0007d'), NOW);
  assert.equal((parseReply(xml) as { Content: string }).Content, 'a]]>bcd');
});

test('an unknown reply type is refused when parsing', () => {
  assert.throws(() => parseReply('<xml><MsgType>mpnews</MsgType></xml>'), /unknown reply MsgType/);
});
