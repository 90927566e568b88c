import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  computeMsgSignature,
  computeSignature,
  safeEqual,
  verifyMsgSignature,
  verifySignature,
} from '../../src/protocol/signature.js';

// The spec as written (protocol.md §1, §3.5): Array#sort, join, sha1, compare lowercase hex.
const model = (...parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex');
const modelVerify = (expected: string, candidate: string) => safeEqual(expected, candidate.toLowerCase());

test('property: the compare-and-swap ordering and one-shot hash agree with the spec model', () => {
  const part = fc.string({ unit: 'binary-ascii', maxLength: 12 });
  fc.assert(
    fc.property(part, part, part, part, fc.nat(39), (token, ts, nonce, enc, flip) => {
      const sig = model(token, ts, nonce);
      const msig = model(token, ts, nonce, enc);
      assert.equal(computeSignature(token, ts, nonce), sig);
      assert.equal(computeMsgSignature(token, ts, nonce, enc), msig);
      const wrong = sig.slice(0, flip) + (sig[flip] === '0' ? '1' : '0') + sig.slice(flip + 1);
      for (const candidate of [sig, sig.toUpperCase(), wrong, '', sig.slice(1)]) {
        assert.equal(
          verifySignature({ token, timestamp: ts, nonce, signature: candidate }),
          modelVerify(sig, candidate),
        );
      }
      for (const candidate of [msig, msig.toUpperCase(), wrong]) {
        assert.equal(
          verifyMsgSignature({ token, timestamp: ts, nonce, encrypt: enc, msgSignature: candidate }),
          modelVerify(msig, candidate),
        );
      }
    }),
    { numRuns: 500 },
  );
});

test("every ordering of four parts gives the spec model's signature", () => {
  const parts = ['b', 'A', '1', 'a'];
  const perms = (xs: string[]): string[][] =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  for (const [a, b, c, d] of perms(parts)) assert.equal(computeMsgSignature(a!, b!, c!, d!), model(...parts));
  for (const [a, b, c] of perms(parts.slice(0, 3)))
    assert.equal(computeSignature(a!, b!, c!), model(...parts.slice(0, 3)));
});
