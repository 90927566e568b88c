import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { buildEnvelopeXml, sealEnvelope } from '../../src/protocol/envelope.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import {
  buildReplyXml,
  imageReply,
  musicReply,
  newsReply,
  renderReply,
  replyHeader,
  textReply,
  type ReplyBody,
} from '../../src/protocol/replies.js';
import { computeSignature } from '../../src/protocol/signature.js';
import { judgeReply } from '../../src/simulate/judge.js';
import { clickEvent, textMessage, unsubscribeEvent } from '../../src/simulate/messages.js';
import type { SimulateMode } from '../../src/simulate/push.js';

const TOKEN = 'tok123';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wx2c2769f8efd9abc2';
const NOW = 1700000000_000;
const msg = textMessage('你好', { now: NOW });

function judge(
  body: string,
  o: {
    status?: number;
    ms?: number;
    mode?: SimulateMode;
    message?: WechatMessage;
    headers?: Record<string, string>;
  } = {},
) {
  return judgeReply({
    request: { message: o.message ?? msg, mode: o.mode ?? 'plain' },
    response: { status: o.status ?? 200, body, ms: o.ms ?? 12, headers: o.headers },
    settings: { token: TOKEN, aesKey: AES, appId: APP, now: NOW },
  });
}
const reply = (b: ReplyBody, m: WechatMessage = msg) => renderReply(m, b, NOW);
const seal = (xml: string, o: { appId?: string; token?: string } = {}) =>
  buildEnvelopeXml(
    sealEnvelope(new MessageCipher(AES, o.appId ?? APP), xml, {
      token: o.token ?? TOKEN,
      timestamp: '1700000000',
      nonce: '42',
    }),
  );

test('a correct text reply is clean and parsed with WeChat field names', () => {
  const j = judge(reply(textReply('你好！')));
  assert.deepEqual(j.problems, []);
  assert.deepEqual(j.warnings, []);
  assert.equal(j.ack, null);
  assert.deepEqual(j.reply, {
    ToUserName: msg.FromUserName,
    FromUserName: msg.ToUserName,
    CreateTime: 1700000000,
    MsgType: 'text',
    Content: '你好！',
  });
});

test('"success" and an empty body are acks in every mode, even safe', () => {
  for (const mode of ['plain', 'compat', 'safe'] as const) {
    assert.deepEqual(judge('success', { mode }), { reply: null, ack: 'success', problems: [], warnings: [] });
    assert.deepEqual(judge('', { mode }), { reply: null, ack: '', problems: [], warnings: [] });
  }
  const j = judge('success\n');
  assert.equal(j.ack, 'success');
  assert.match(j.warnings[0]!, /trailing newline/);
});

test('non-200 statuses and redirects are problems, in words', () => {
  assert.match(judge('', { status: 500 }).problems[0]!, /HTTP 500.*该公众号暂时无法提供服务/);
  assert.match(judge('', { status: 403 }).problems[0]!, /refused the push.*Token/);
  assert.match(
    judge('', { status: 302, headers: { location: 'https://x/y/' } }).problems[0]!,
    /redirect to https:\/\/x\/y\/: WeChat does not follow redirects/,
  );
});

test('a reply slower than 5 s is a problem; close to it is a warning', () => {
  assert.match(judge('success', { ms: 5200 }).problems[0]!, /answered after 5\.20 s: WeChat gives up after 5\.00 s/);
  const near = judge('success', { ms: 4300 });
  assert.deepEqual(near.problems, []);
  assert.match(near.warnings[0]!, /4\.30 s of WeChat's 5\.00 s/);
});

test('HTML, JSON and garbage bodies are named', () => {
  assert.match(judge('<!DOCTYPE html><html><body>oops</body></html>').problems[0]!, /HTML page/);
  assert.match(judge('{"reply":"hi"}').problems[0]!, /JSON; Official Accounts only accept XML/);
  assert.match(judge('hello there').problems[0]!, /not "success", empty, or well-formed XML/);
  assert.match(judge('<xml><ToUserName>').problems[0]!, /well-formed XML/);
});

test('ids not swapped, or wrong, are problems', () => {
  const same = buildReplyXml({
    ToUserName: msg.ToUserName,
    FromUserName: msg.FromUserName,
    CreateTime: 1700000000,
    ...textReply('x'),
  });
  assert.match(judge(same).problems.join('\n'), /not swapped/);
  const wrong = buildReplyXml({
    ToUserName: 'oSomeoneElse',
    FromUserName: msg.ToUserName,
    CreateTime: 1700000000,
    ...textReply('x'),
  });
  assert.match(judge(wrong).problems.join('\n'), /ToUserName is "oSomeoneElse", expected the user's OpenID/);
});

test('CreateTime in milliseconds is a warning, not a problem; a non-number is a problem', () => {
  const ms = buildReplyXml({ ...replyHeader(msg), CreateTime: NOW, ...textReply('x') });
  const j = judge(ms);
  assert.deepEqual(j.problems, []);
  assert.match(j.warnings.join('\n'), /CreateTime 1700000000000 is in milliseconds/);
  assert.match(
    judge(reply(textReply('x')).replace(/<CreateTime>\d+/, '<CreateTime>soon')).problems.join('\n'),
    /not an integer/,
  );
});

test('unknown MsgType and missing required fields are problems', () => {
  assert.match(
    judge(reply(textReply('x')).replace('[text]', '[markdown]')).problems[0]!,
    /unknown reply MsgType "markdown"/,
  );
  assert.match(judge(reply(textReply(''))).problems[0]!, /empty Content/);
  assert.match(judge(reply(imageReply(''))).problems[0]!, /image reply without <Image><MediaId>/);
  const flat = reply(imageReply('M')).replace(
    '<Image><MediaId><![CDATA[M]]></MediaId></Image>',
    '<MediaId><![CDATA[M]]></MediaId>',
  );
  assert.match(judge(flat).problems[0]!, /must sit inside <Image>/);
  assert.match(judge(reply(musicReply({ Title: 't', ThumbMediaId: '' }))).problems[0]!, /ThumbMediaId/);
});

test('text over 2048 bytes is a warning', () => {
  const j = judge(reply(textReply('长'.repeat(700))));
  assert.deepEqual(j.problems, []);
  assert.match(j.warnings[0]!, /2100 bytes/);
});

test('news limits: 1 article for a user message, 8 for an event; ArticleCount must match', () => {
  const three = Array.from({ length: 3 }, (_, i) => ({ Title: `t${i}`, Url: `https://x/${i}` }));
  const toText = buildReplyXml({ ...replyHeader(msg, NOW), ...newsReply(three) }, 8);
  assert.match(judge(toText).problems[0]!, /3 articles: in reply to a user message WeChat allows 1/);
  const click = clickEvent('K', { now: NOW });
  assert.deepEqual(
    judge(buildReplyXml({ ...replyHeader(click, NOW), ...newsReply(three) }, 8), { message: click }).problems,
    [],
  );
  const nine = Array.from({ length: 9 }, (_, i) => ({ Title: `t${i}`, Url: `https://x/${i}` }));
  assert.match(
    judge(buildReplyXml({ ...replyHeader(click, NOW), ...newsReply(nine) }, 9), { message: click }).problems[0]!,
    /at most 8/,
  );
  const lying = buildReplyXml({ ...replyHeader(msg, NOW), ...newsReply(three[0]!) }).replace(
    '<ArticleCount>1<',
    '<ArticleCount>2<',
  );
  assert.match(judge(lying).problems[0]!, /ArticleCount says 2 but the reply has 1/);
});

test('a reply to unsubscribe is never seen: warning', () => {
  const u = unsubscribeEvent({ now: NOW });
  assert.match(judge(renderReply(u, textReply('bye'), NOW), { message: u }).warnings[0]!, /unsubscribe/);
});

test('safe mode: a correct envelope is decrypted and judged', () => {
  const inner = reply(textReply('secret hi'));
  const j = judge(seal(inner), { mode: 'safe' });
  assert.deepEqual(j.problems, []);
  assert.equal(j.decrypted, inner);
  assert.equal(j.reply?.MsgType === 'text' && j.reply.Content, 'secret hi');
});

test('safe mode: plaintext reply is a problem; compat mode: a warning', () => {
  assert.match(
    judge(reply(textReply('x')), { mode: 'safe' }).problems[0]!,
    /plaintext XML reply to a safe-mode request/,
  );
  const c = judge(reply(textReply('x')), { mode: 'compat' });
  assert.deepEqual(c.problems, []);
  assert.match(c.warnings[0]!, /compatible mode accepts it/);
});

test('bad MsgSignature, wrong AppID, wrong key: each a problem with the reason', () => {
  const inner = reply(textReply('x'));
  assert.match(judge(seal(inner, { token: 'other' }), { mode: 'safe' }).problems[0]!, /MsgSignature does not verify/);
  assert.match(
    judge(seal(inner, { appId: 'wx0000000000000000' }), { mode: 'safe' }).problems[0]!,
    /ends with AppID "wx0000000000000000" but the account's AppID is "wx2c2769f8efd9abc2"/,
  );
  const otherKey = buildEnvelopeXml(
    sealEnvelope(new MessageCipher('B'.repeat(43), APP), inner, { token: TOKEN, timestamp: '1', nonce: '2' }),
  );
  assert.match(judge(otherKey, { mode: 'safe' }).problems.join('\n'), /does not decrypt.*EncodingAESKey/);
  // A plain signature in the MsgSignature slot gets a hint.
  const env = sealEnvelope(new MessageCipher(AES, APP), inner, { token: TOKEN, timestamp: '1', nonce: '2' });
  env.MsgSignature = computeSignature(TOKEN, '1', '2');
  assert.match(judge(buildEnvelopeXml(env), { mode: 'safe' }).problems[0]!, /it is the plain signature/);
});

test('an envelope missing fields, or encrypted in plaintext mode, is a problem', () => {
  assert.match(
    judge('<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>', { mode: 'safe' }).problems[0]!,
    /incomplete.*MsgSignature/,
  );
  assert.match(
    judge(seal(reply(textReply('x'))), { mode: 'plain' }).problems[0]!,
    /encrypted reply to a plaintext-mode request/,
  );
});
