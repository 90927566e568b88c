import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { computeMsgSignature, computeSignature, verifyMsgSignature, verifySignature } from '../../src/protocol/signature.js';
import { checkMsgSignature, checkSignature } from '../../src/server/signature-check.js';
import { vectors } from '../helpers/fixtures.js';

test('the hot-path checks accept every published vector', () => {
  for (const v of vectors) {
    if (v.signature) assert.ok(checkSignature(v.token, v.timestamp, v.nonce, v.signature), v.name);
    if (v.msgSignature && v.encrypt) assert.ok(checkMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msgSignature), v.name);
  }
});

test('property: the hot-path checks agree with the protocol layer, for right, wrong and uppercase signatures', () => {
  const part = fc.string({ unit: 'binary-ascii', maxLength: 12 });
  fc.assert(fc.property(part, part, part, part, fc.nat(39), (token, ts, nonce, enc, flip) => {
    const sig = computeSignature(token, ts, nonce);
    const msig = computeMsgSignature(token, ts, nonce, enc);
    const wrong = sig.slice(0, flip) + (sig[flip] === '0' ? '1' : '0') + sig.slice(flip + 1);
    for (const candidate of [sig, sig.toUpperCase(), wrong, '', sig.slice(1)]) {
      assert.equal(checkSignature(token, ts, nonce, candidate), verifySignature({ token, timestamp: ts, nonce, signature: candidate }));
    }
    for (const candidate of [msig, msig.toUpperCase(), wrong]) {
      assert.equal(checkMsgSignature(token, ts, nonce, enc, candidate), verifyMsgSignature({ token, timestamp: ts, nonce, encrypt: enc, msgSignature: candidate }));
    }
  }), { numRuns: 500 });
});
