// Regression tests for bugs the fuzz properties (fuzz.test.ts) found, each reduced to its smallest case.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { parseEncryptedBody, parseMessage } from '../../src/protocol/parse.js';
import { parseMessageFast } from '../../src/server/verify.js';
import { textXml } from './client.js';
import {
  assertStillAnswers,
  encryptedQuery,
  listen,
  readAnswer,
  send,
  signedPush,
  type Target,
} from './fuzz-support.js';

let target: Target;

before(async () => {
  // Answers with what the bot was given, JSON-escaped, so a \r cannot hide in the reply XML.
  target = await listen(
    createBot()
      .text(/^alive /, (ctx) => ctx.text)
      .fallback((ctx) => JSON.stringify(ctx.text)),
  );
});
after(() => target.close());

test('a \\r in a flat message reads as the full parser reads it (\\r\\n and lone \\r become \\n), in every mode', async () => {
  const xml = textXml('a\r\nb\rc');
  assert.deepEqual(parseMessageFast(xml), parseMessage(xml));
  for (const mode of ['plain', 'compat', 'safe'] as const) {
    const p = signedPush(mode, textXml('a\r\nb\rc'));
    const reply = readAnswer(await send(target, { path: p.path, body: p.body }), mode, p.nonce);
    assert.equal(reply?.MsgType === 'text' && reply.Content, JSON.stringify('a\nb\nc'), mode);
  }
  await assertStillAnswers(target);
});

test('a whitespace-only Encrypt is a missing one (400) whichever parser reads the body, before any signature check', async () => {
  assert.throws(
    () => parseEncryptedBody('<xml><ToUserName>gh</ToUserName><Encrypt> \n </Encrypt></xml>'),
    /missing Encrypt/,
  );
  // Flat (fast path) and with an attribute (full parser): both the same 400, even with a wrong msg_signature.
  for (const body of [
    '<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[ ]]></Encrypt></xml>',
    '<xml><ToUserName a="1">gh</ToUserName><Encrypt> </Encrypt></xml>',
  ]) {
    const r = await send(target, { path: `/wechat?${encryptedQuery(' ', { msgSignature: '0'.repeat(40) })}`, body });
    assert.equal(r.status, 400, body);
    assert.match(r.body, /XML_NOT_MESSAGE/);
  }
  await assertStillAnswers(target);
});

test('a repeated signed parameter is refused with 400 even when the first copy is the valid one', async () => {
  const p = signedPush('plain', textXml('dup'));
  const [, query] = p.path.split('?') as [string, string];
  const sig = /signature=([0-9a-f]{40})/.exec(query)![1]!;
  for (const extra of [
    `signature=${'0'.repeat(40)}`,
    `signature=${sig}`,
    'timestamp=1',
    'nonce=1',
    'openid=o2',
    'encrypt_type=raw&encrypt_type=raw',
    'echostr=x&echostr=x',
  ]) {
    for (const q of [`${query}&${extra}`, `${extra}&${query}`]) {
      const r = await send(target, { path: `/wechat?${q}`, body: p.body });
      assert.equal(r.status, 400, q);
      assert.match(r.body, /repeated query parameter/);
    }
  }
  await assertStillAnswers(target);
});

test('tags named like Object.prototype members (toString, valueOf, hasOwnProperty) read the same on both parser paths', () => {
  for (const tag of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString']) {
    const xml = textXml('x').replace('</xml>', `<${tag}>v</${tag}></xml>`);
    assert.deepEqual(parseMessageFast(xml), parseMessage(xml), tag);
  }
});

test('a safe-mode reply verifies whatever the request nonce: one that would not read back unchanged is replaced by fresh digits', async () => {
  for (const nonce of ['1514711492', 'a]]>b', ' 12', '12 ', '\u0001x', 'a\rb', '\uFFFE', '']) {
    for (const mode of ['compat', 'safe'] as const) {
      const p = signedPush(mode, textXml('nonce'), { nonce });
      const r = await send(target, { path: p.path, body: p.body });
      // readAnswer checks the echo (or fresh digits), the MsgSignature over the written Nonce, and decrypts.
      const reply = readAnswer(r, mode, nonce);
      assert.equal(
        reply?.MsgType === 'text' && reply.Content,
        JSON.stringify('nonce'),
        `${mode} ${JSON.stringify(nonce)}`,
      );
    }
  }
});
