import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../src/protocol/parse.js';
import { newsReply, renderReply, textReply } from '../../src/protocol/replies.js';
import { random16 } from '../../src/server/random-pool.js';
import { renderReplyOut, sealReplyFast, textReplyBytes } from '../../src/server/render.js';
import { FastCipher } from '../../src/server/fast-cipher.js';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { buildEnvelopeXml, parseEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import { computeMsgSignature } from '../../src/protocol/signature.js';
import { sampleXml } from '../helpers/fixtures.js';

const incoming = parseMessage(sampleXml('text'));
const NOW = 1_700_000_123_456;

test("text replies written straight to bytes are the UTF-8 of the protocol layer's string, or left to it", () => {
  const check = (s: string, m = incoming) => {
    const bytes = textReplyBytes(m, s, NOW);
    const reference = renderReply(m, textReply(s), NOW);
    if (bytes) assert.equal(bytes.toString('hex'), Buffer.from(reference).toString('hex'), JSON.stringify(s));
    const out = renderReplyOut(m, textReply(s), NOW);
    assert.equal(typeof out === 'string' ? out : out.toString('utf8'), reference);
    return bytes !== undefined;
  };
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => void check(s)),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => void check(s)),
    { numRuns: 500 },
  );
  // The common texts take the byte path: CJK, emoji (surrogate pairs), tabs and newlines, empty.
  for (const s of ['你好', '😀🎲', 'tab\tnew\nline\r', '', 'a]b>c', ']]']) assert.ok(check(s), JSON.stringify(s));
  // Anything to strip or split goes to the protocol layer.
  for (const s of ['a]]>b', 'ctl\u0001x', 'lone\ud800', 'lone\udc00x', '\ufffe'])
    assert.equal(check(s), false, JSON.stringify(s));
  // Sender and account ids are checked the same way.
  assert.equal(check('hi', { ...incoming, FromUserName: 'o\u0001x' } as typeof incoming), false);
});

test('encryptBytes seals the same bytes as encrypt for the same random prefix', () => {
  const fast = new FastCipher('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
  const ref = new MessageCipher('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (s, r) => {
        const random = Buffer.from(r);
        assert.equal(fast.encryptBytes(Buffer.from(s), random), ref.encrypt(s, random));
      },
    ),
    { numRuns: 300 },
  );
});

test('other reply types go through the protocol layer unchanged', () => {
  const news = newsReply([{ Title: 'a' }, { Title: 'b' }]);
  assert.equal(renderReplyOut(incoming, news, NOW), renderReply(incoming, news, NOW));
});

test('the random pool hands out distinct 16-byte prefixes across refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const r = random16();
    assert.equal(r.length, 16);
    seen.add(r.toString('hex'));
  }
  assert.equal(seen.size, 600);
});

test("the fast envelope equals the protocol layer's sealEnvelope + buildEnvelopeXml, and opens", () => {
  const cipher = new MessageCipher('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s),
      fc.stringMatching(/^\d{10}$/),
      (nonce, ts) => {
        const xml = renderReply(incoming, textReply('你好'), NOW);
        const fast = sealReplyFast(cipher, 'tok', xml, ts, nonce);
        const env = parseEnvelope(fast);
        assert.ok(verifyEnvelope(env, 'tok'));
        assert.equal(cipher.decrypt(env.Encrypt), xml);
        // Same Encrypt value → the protocol layer must write the identical bytes.
        const reference = buildEnvelopeXml({
          Encrypt: env.Encrypt,
          MsgSignature: computeMsgSignature('tok', ts, nonce, env.Encrypt),
          TimeStamp: ts,
          Nonce: nonce,
        });
        assert.equal(fast, reference);
      },
    ),
    { numRuns: 200 },
  );
});
