import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fitWechatText, truncateUtf8, WECHAT_TEXT_LIMIT_BYTES } from '../../src/providers/index.js';

test('truncateUtf8 returns the longest prefix that fits, on a code point boundary', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.nat(400), (s, max) => {
      const out = truncateUtf8(s, max);
      assert.ok(s.startsWith(out));
      assert.ok(Buffer.byteLength(out) <= max);
      assert.equal(Buffer.from(out).toString('utf8'), out); // no lone surrogates were produced
      if (out.length < s.length) {
        const next = String.fromCodePoint(s.codePointAt(out.length)!);
        assert.ok(Buffer.byteLength(out + next) > max);
      }
    }),
  );
});

test('fitWechatText leaves short text alone and cuts long text to 2048 bytes with an ellipsis', () => {
  assert.equal(fitWechatText('你好'), '你好');
  const exact = 'a'.repeat(WECHAT_TEXT_LIMIT_BYTES);
  assert.equal(fitWechatText(exact), exact);
  const cut = fitWechatText('😀'.repeat(1000));
  assert.ok(Buffer.byteLength(cut) <= WECHAT_TEXT_LIMIT_BYTES);
  assert.ok(Buffer.byteLength(cut) > WECHAT_TEXT_LIMIT_BYTES - 8);
  assert.match(cut, /^(😀)+…$/u);
});
