import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery, readQuery } from '../../src/server/query.js';
import { HttpRejection } from '../../src/server/rejection.js';

const url = '/wechat?signature=abc&timestamp=1700000000&nonce=42&openid=oUser&utm=x&encrypt_type=aes&msg_signature=def';

test('readQuery reads every known field and ignores the rest; parseQuery returns only what was sent', () => {
  const q = readQuery(url, url.indexOf('?') + 1);
  assert.equal(q.signature, 'abc');
  assert.equal(q.timestamp, '1700000000');
  assert.equal(q.nonce, '42');
  assert.equal(q.openid, 'oUser');
  assert.equal(q.encrypt_type, 'aes');
  assert.equal(q.msg_signature, 'def');
  assert.equal(q.echostr, undefined);
  assert.deepEqual(parseQuery('signature=s&echostr=e&x=1'), { signature: 's', echostr: 'e' });
  assert.deepEqual(Object.keys(q.present()), [
    'signature',
    'timestamp',
    'nonce',
    'openid',
    'encrypt_type',
    'msg_signature',
  ]);
});

test('no query at all gives an empty one', () => {
  const q = readQuery('/wechat', '/wechat'.length);
  assert.deepEqual(q.present(), {});
  assert.deepEqual(parseQuery(''), {});
});

test('percent-escapes are decoded, a literal + stays a +, an empty value is an empty string', () => {
  assert.deepEqual(parseQuery('echostr=a+b%2Fc%3D&nonce=&signature'), { echostr: 'a+b/c=', nonce: '', signature: '' });
});

test('a repeated known parameter and a malformed escape are 400s; unknown repeats are ignored', () => {
  for (const [s, msg] of [
    ['nonce=1&nonce=2', /repeated query parameter nonce/],
    ['echostr=%E4%B8', /malformed query parameter echostr/],
  ] as const) {
    assert.throws(
      () => parseQuery(s),
      (e: unknown) => e instanceof HttpRejection && e.status === 400 && msg.test(e.message),
    );
  }
  assert.deepEqual(parseQuery('x=1&x=2&nonce=3'), { nonce: '3' });
});
