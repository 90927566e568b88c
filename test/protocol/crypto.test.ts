import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CryptoError, WxbotError } from '../../src/protocol/errors.js';
import {
  MessageCipher,
  decodeAesKey,
  generateEncodingAESKey,
  generateToken,
  isValidAesKey,
  pad32,
  unpad32,
} from '../../src/protocol/crypto.js';
import { buildEnvelopeXml, parseEnvelope, sealEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import { parseEncryptedBody } from '../../src/protocol/parse.js';
import { vectors } from '../helpers/fixtures.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CryptoError, `expected CryptoError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a throw');
}

for (const v of vectors.filter((x) => x.encrypt && x.encodingAESKey && x.plaintext)) {
  test(`decrypts vector ${v.name}`, () => {
    const c = new MessageCipher(v.encodingAESKey!, v.appId!);
    assert.equal(c.decrypt(v.encrypt!), v.plaintext);
  });
  if (v.random) {
    test(`encrypts vector ${v.name} byte for byte with its random prefix`, () => {
      const c = new MessageCipher(v.encodingAESKey!, v.appId!);
      assert.equal(c.encrypt(v.plaintext!, Buffer.from(v.random!, 'latin1')), v.encrypt);
    });
  }
}

test('reproduces the published reply envelope byte for byte', () => {
  const v = vectors.find((x) => x.name === 'wechatpy_work_encrypt_reply_envelope')!;
  const c = new MessageCipher(v.encodingAESKey!, v.appId!);
  const env = sealEnvelope(c, v.plaintext!, {
    token: v.token,
    timestamp: v.timestamp,
    nonce: v.nonce,
    random: Buffer.from(v.random!, 'latin1'),
  });
  assert.equal(env.Encrypt, v.encrypt);
  assert.equal(env.MsgSignature, v.msgSignature);
  assert.equal(buildEnvelopeXml(env), v.expectedEnvelope);
  const back = parseEnvelope(buildEnvelopeXml(env));
  assert.deepEqual(back, env);
  assert.ok(verifyEnvelope(back, v.token));
  assert.equal(verifyEnvelope(back, 'wrong-token'), false);
});

test('the Java test vector signs to its derived msg_signature', async () => {
  const v = vectors.find((x) => x.name === 'oa_official_java_test_aes_encrypt_short')!;
  const { computeMsgSignature } = await import('../../src/protocol/signature.js');
  assert.equal(computeMsgSignature(v.token, v.timestamp, v.nonce, v.encrypt!), v.derivedMsgSignature);
});

test('compatible-mode body: plain fields and Encrypt agree', () => {
  const v = vectors.find((x) => x.name === 'oa_official_python_sample_compat_mode_decrypt')!;
  const body = parseEncryptedBody(v.requestBody!);
  assert.equal(body.Encrypt, v.encrypt);
  assert.equal(body.plain?.MsgType, 'text');
  const c = new MessageCipher(v.encodingAESKey!, v.appId!);
  assert.equal(c.decrypt(body.Encrypt), v.plaintext);
});

test('AppID mismatch is rejected even when AES succeeds', () => {
  const v = vectors.find((x) => x.name === 'oa_doc_safe_mode_inbound')!;
  const c = new MessageCipher(v.encodingAESKey!, 'wx0000000000000000');
  assert.equal(
    code(() => c.decrypt(v.encrypt!)),
    'ValidateAppid_Error',
  );
  assert.equal(c.decryptRaw(v.encrypt!).appId, v.appId);
});

test('EncodingAESKey validation gives IllegalAesKey with errcode -40004', () => {
  for (const bad of ['abcde', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}+`, `${'A'.repeat(42)}=`]) {
    assert.equal(
      code(() => decodeAesKey(bad)),
      'IllegalAesKey',
      bad,
    );
    assert.equal(isValidAesKey(bad), false);
  }
  try {
    decodeAesKey('abcde');
  } catch (e) {
    assert.equal((e as CryptoError).errcode, -40004);
  }
  assert.equal(decodeAesKey('A'.repeat(43)).length, 32);
});

test('padding uses a 32-byte block and a full block when aligned', () => {
  assert.equal(pad32(Buffer.alloc(0)).length, 32);
  assert.equal(pad32(Buffer.alloc(31)).length, 32);
  assert.equal(pad32(Buffer.alloc(32)).length, 64);
  assert.equal(pad32(Buffer.alloc(32)).at(-1), 32);
  assert.equal(unpad32(pad32(Buffer.from('hello'))).toString(), 'hello');
});

test('strict unpadding rejects bad pad bytes', () => {
  assert.equal(
    code(() => unpad32(Buffer.from([1, 2, 0]))),
    'IllegalBuffer',
  );
  assert.equal(
    code(() => unpad32(Buffer.from([...Buffer.alloc(40), 33]))),
    'IllegalBuffer',
  );
  assert.equal(
    code(() => unpad32(Buffer.from([1, 2, 3, 3, 2, 3]))),
    'IllegalBuffer',
  );
  assert.equal(
    code(() => unpad32(Buffer.alloc(0))),
    'IllegalBuffer',
  );
});

test('broken ciphertexts give typed errors', () => {
  const c = new MessageCipher('A'.repeat(43), 'wxapp');
  assert.equal(
    code(() => c.decrypt('')),
    'DecodeBase64_Error',
  );
  assert.equal(
    code(() => c.decrypt('not base64!')),
    'DecodeBase64_Error',
  );
  assert.equal(
    code(() => c.decrypt(Buffer.alloc(15).toString('base64'))),
    'IllegalBuffer',
  );
  // Right length, wrong key: the padding check catches it.
  const other = new MessageCipher(generateEncodingAESKey(), 'wxapp');
  const wrong = other.encrypt('hello');
  assert.ok(['IllegalBuffer', 'ValidateAppid_Error'].includes(code(() => c.decrypt(wrong))));
});

test('generated keys and tokens are valid and fresh', () => {
  const k = generateEncodingAESKey();
  assert.match(k, /^[A-Za-z0-9]{43}$/);
  assert.ok(isValidAesKey(k));
  assert.notEqual(k, generateEncodingAESKey());
  assert.match(generateToken(), /^[A-Za-z0-9]{32}$/);
  assert.equal(generateToken(8).length, 8);
});

test('sealEnvelope refuses a nonce or timestamp that would not read back unchanged (its MsgSignature could never verify)', () => {
  const cipher = new MessageCipher('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx2c2769f8efd9abc2');
  for (const nonce of ['', ' 12', '12\r3', 'a\u0001b']) {
    assert.throws(
      () => sealEnvelope(cipher, '<xml/>', { token: 't', timestamp: '1714036504', nonce }),
      (e: unknown) => e instanceof WxbotError && e.code === 'BAD_ENVELOPE_VALUE',
      JSON.stringify(nonce),
    );
  }
  assert.throws(() => sealEnvelope(cipher, '<xml/>', { token: 't', timestamp: '17 ', nonce: '1' }), /timestamp/);
  const e = sealEnvelope(cipher, '<xml/>', { token: 't', timestamp: '1714036504', nonce: 'n]]>1' });
  assert.ok(verifyEnvelope(parseEnvelope(buildEnvelopeXml(e)), 't'));
});
