import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { FastCipher } from '../../src/server/fast-cipher.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wx1234567890abcdef';

/** The protocol layer's outcome: the value, or the error's name/code/message. */
function outcome(f: () => string): unknown {
  try {
    return { ok: f() };
  } catch (e) {
    const err = e as Error & { code?: string };
    return { name: err.name, code: err.code, message: err.message };
  }
}

const randomArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
const messageArb = fc.string({ unit: 'binary', maxLength: 300 });

test("encrypt gives the protocol layer's bytes for any message, across any sequence of calls (chaining state)", () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  fc.assert(
    fc.property(fc.array(fc.tuple(messageArb, randomArb), { minLength: 1, maxLength: 8 }), (calls) => {
      for (const [m, r] of calls) assert.equal(fast.encrypt(m, r), ref.encrypt(m, r));
    }),
    { numRuns: 300 },
  );
  // Lengths around the 32-byte padding boundary and long messages.
  for (let n = 0; n < 80; n++) {
    const r = randomBytes(16);
    const m = 'x'.repeat(n) + '你好'.repeat(n % 3);
    assert.equal(fast.encrypt(m, r), ref.encrypt(m, r), `length ${n}`);
  }
  const big = '长'.repeat(70_000);
  const r = randomBytes(16);
  assert.equal(fast.encrypt(big, r), ref.encrypt(big, r));
  assert.deepEqual(
    outcome(() => fast.encrypt('x', Buffer.alloc(15))),
    outcome(() => ref.encrypt('x', Buffer.alloc(15))),
  );
});

test('decrypt opens what either cipher sealed, interleaved with encryption, exactly like the protocol layer', () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  fc.assert(
    fc.property(fc.array(fc.tuple(messageArb, randomArb, fc.boolean()), { minLength: 1, maxLength: 8 }), (calls) => {
      for (const [m, r, useFast] of calls) {
        const sealed = (useFast ? fast : ref).encrypt(m, r);
        assert.deepEqual(
          outcome(() => fast.decrypt(sealed)),
          outcome(() => ref.decrypt(sealed)),
        );
        assert.equal(fast.decrypt(sealed), Buffer.from(m, 'utf8').toString('utf8'));
      }
    }),
    { numRuns: 300 },
  );
});

test("every malformed or foreign ciphertext is rejected with the protocol layer's error", () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  const other = new MessageCipher(KEY, 'wxOTHER0000000000a');
  const otherKey = new MessageCipher('ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlk0', APP);
  const same = (s: string) =>
    assert.deepEqual(
      outcome(() => fast.decrypt(s)),
      outcome(() => ref.decrypt(s)),
      JSON.stringify(s.slice(0, 60)),
    );
  for (const s of [
    '',
    '!!!',
    'abc',
    'QUJD',
    'QUJDRA==',
    Buffer.alloc(16).toString('base64'),
    Buffer.alloc(32, 32).toString('base64'),
    other.encrypt('hello'),
    otherKey.encrypt('hello'),
    ref.encrypt('hi').slice(0, -4),
    `${ref.encrypt('hi')}x`,
  ])
    same(s);
  // Random bytes, and valid ciphertexts with one byte flipped anywhere.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (a) => same(Buffer.from(a).toString('base64'))),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(messageArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, at, x) => {
      const raw = Buffer.from(ref.encrypt(m), 'base64');
      raw[at % raw.length] = raw[at % raw.length]! ^ x;
      same(raw.toString('base64'));
    }),
    { numRuns: 500 },
  );
});

/** AES-256-CBC of `plain` as it is (no padding added): the key and IV as WXBizMsgCrypt derives them. */
function rawEncrypt(plain: Buffer): string {
  const key = Buffer.from(`${KEY}=`, 'base64');
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

test('bad PKCS#7 padding behind an intact AppID is refused, by the fast path and the protocol layer alike', () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  const app = Buffer.from(APP, 'utf8');
  fc.assert(
    fc.property(messageArb, randomArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, random, at, bad) => {
      const body = Buffer.from(m, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(body.length);
      // random | length | message | AppID: everything right, then the padding made wrong.
      const unpadded = Buffer.concat([random, len, body, app]);
      const padLen = 32 - (unpadded.length % 32);
      const pad = Buffer.alloc(padLen, padLen);
      if (padLen > 1) {
        // The last byte says padLen, but one of the others differs.
        const i = at % (padLen - 1);
        pad[i] = (padLen + bad) % 256;
      } else {
        // One padding byte, out of 1..32.
        pad[0] = bad <= 32 ? 0 : bad;
      }
      const sealed = rawEncrypt(Buffer.concat([unpadded, pad]));
      const verdict = outcome(() => fast.decrypt(sealed));
      assert.deepEqual(
        verdict,
        outcome(() => ref.decrypt(sealed)),
      );
      assert.equal((verdict as { code?: string }).code, 'IllegalBuffer', JSON.stringify(verdict));
    }),
    { numRuns: 300 },
  );
  // A last byte of 0 or above 32 behind a whole padding block.
  for (const last of [0, 33, 64, 255]) {
    const body = Buffer.from('hello', 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const unpadded = Buffer.concat([randomBytes(16), len, body, app]);
    const sealed = rawEncrypt(Buffer.concat([unpadded, Buffer.alloc(32 - (unpadded.length % 32), last)]));
    const verdict = outcome(() => fast.decrypt(sealed));
    assert.deepEqual(
      verdict,
      outcome(() => ref.decrypt(sealed)),
    );
    assert.equal((verdict as { code?: string }).code, 'IllegalBuffer', `last byte ${last}`);
  }
  // The same construction with good padding decrypts: the refusals above are about the padding only.
  const good = Buffer.concat([randomBytes(16), Buffer.from([0, 0, 0, 2]), Buffer.from('ok'), app]);
  assert.equal(
    fast.decrypt(rawEncrypt(Buffer.concat([good, Buffer.alloc(32 - (good.length % 32), 32 - (good.length % 32))]))),
    'ok',
  );
});

test('an AppID that does not survive UTF-8 is left to the protocol layer', () => {
  const odd = 'wx\ud800broken';
  const fast = new FastCipher(KEY, odd);
  const ref = new MessageCipher(KEY, odd);
  const sealed = ref.encrypt('hello');
  assert.deepEqual(
    outcome(() => fast.decrypt(sealed)),
    outcome(() => ref.decrypt(sealed)),
  );
});

test("a valid ciphertext written other than as canonical base64 gets the protocol layer's verdict", () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  const same = (s: string) =>
    assert.deepEqual(
      outcome(() => fast.decrypt(s)),
      outcome(() => ref.decrypt(s)),
      JSON.stringify(s.slice(0, 60)),
    );
  fc.assert(
    fc.property(messageArb, fc.nat(), fc.constantFrom('-', '_', ' ', '\n', '=', '.', '\u00e9'), (m, at, ch) => {
      const b64 = ref.encrypt(m);
      const p = at % b64.length;
      // Base64url for the two characters it differs in, one character inserted, the padding dropped.
      same(b64.replaceAll('+', '-').replaceAll('/', '_'));
      same(`${b64.slice(0, p)}${ch}${b64.slice(p)}`);
      same(b64.replace(/=+$/, ''));
      // One character replaced, and `=` moved inside.
      same(`${b64.slice(0, p)}${ch}${b64.slice(p + 1)}`);
      same(`${b64.slice(0, p)}=${b64.slice(p, -1)}`);
    }),
    { numRuns: 300 },
  );
});

test('base64 whose last character carries stray low bits decodes to the same bytes on both paths', () => {
  const fast = new FastCipher(KEY, APP);
  const ref = new MessageCipher(KEY, APP);
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let checked = 0;
  for (let n = 0; n < 40; n++) {
    const b64 = ref.encrypt('x'.repeat(n));
    const body = b64.replace(/=+$/, '');
    const pad = b64.length - body.length;
    if (pad === 0) continue;
    // With one `=` the last character's low 2 bits are unused, with two its low 4: set them.
    const last = ALPHABET.indexOf(body.at(-1)!) | (pad === 1 ? 3 : 15);
    const stray = `${body.slice(0, -1)}${ALPHABET[last]}${'='.repeat(pad)}`;
    assert.notEqual(stray, b64);
    assert.deepEqual(
      outcome(() => fast.decrypt(stray)),
      outcome(() => ref.decrypt(stray)),
    );
    assert.equal(fast.decrypt(stray), 'x'.repeat(n));
    checked++;
  }
  assert.ok(checked > 0);
});
