import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  computeMsgSignature,
  computeSignature,
  safeEqual,
  sha1Sorted,
  verifyMsgSignature,
  verifySignature,
} from '../../src/protocol/signature.js';
import { vectors } from '../helpers/fixtures.js';

test('sha1 of a single part is plain sha1', () => {
  assert.equal(sha1Sorted('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(sha1Sorted('a', 'b', 'c'), sha1Sorted('c', 'a', 'b'));
});

for (const v of vectors.filter((x) => x.signature)) {
  test(`signature vector ${v.name}`, () => {
    assert.equal(computeSignature(v.token, v.timestamp, v.nonce), v.signature);
    assert.ok(verifySignature({ token: v.token, timestamp: v.timestamp, nonce: v.nonce, signature: v.signature! }));
  });
}

for (const v of vectors.filter((x) => x.msgSignature)) {
  test(`msg_signature vector ${v.name}`, () => {
    assert.equal(computeMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt!), v.msgSignature);
    assert.ok(
      verifyMsgSignature({
        token: v.token,
        timestamp: v.timestamp,
        nonce: v.nonce,
        encrypt: v.encrypt!,
        msgSignature: v.msgSignature!,
      }),
    );
  });
}

test('sort is by code unit: uppercase before lowercase, digits first', () => {
  // localeCompare would put "a" before "B"; WeChat does not.
  assert.equal(sha1Sorted('a', 'B', '1'), sha1Sorted('1', 'B', 'a'));
  assert.equal(sha1Sorted('a', 'B', '1'), sha1Sorted('1Ba'));
});

test('a signature wrong by one character is rejected', () => {
  const v = vectors.find((x) => x.name === 'oa_doc_get_url_verification')!;
  const bad = v.signature!.slice(0, -1) + (v.signature!.endsWith('0') ? '1' : '0');
  assert.equal(verifySignature({ token: v.token, timestamp: v.timestamp, nonce: v.nonce, signature: bad }), false);
  assert.equal(verifySignature({ token: v.token, timestamp: v.timestamp, nonce: v.nonce, signature: '' }), false);
  assert.equal(
    verifySignature({ token: 'other', timestamp: v.timestamp, nonce: v.nonce, signature: v.signature! }),
    false,
  );
});

test('an uppercase hex signature is accepted', () => {
  const v = vectors.find((x) => x.name === 'oa_doc_get_url_verification')!;
  assert.ok(
    verifySignature({ token: v.token, timestamp: v.timestamp, nonce: v.nonce, signature: v.signature!.toUpperCase() }),
  );
});

test('safeEqual rejects different lengths and accepts equal strings', () => {
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abc'), true);
});
