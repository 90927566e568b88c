import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseMessage } from '../../src/protocol/parse.js';
import { newsReply, renderReply, textReply } from '../../src/protocol/replies.js';
import { random16 } from '../../src/server/random-pool.js';
import { renderReplyFast, sealReplyFast } from '../../src/server/render.js';
import { MessageCipher } from '../../src/protocol/crypto.js';
import { buildEnvelopeXml, parseEnvelope, verifyEnvelope } from '../../src/protocol/envelope.js';
import { computeMsgSignature } from '../../src/protocol/signature.js';
import { sampleXml } from '../helpers/fixtures.js';

const incoming = parseMessage(sampleXml('text'));
const NOW = 1_700_000_123_456;

test('text replies render to the same bytes as the protocol layer, whatever the content', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
    assert.equal(renderReplyFast(incoming, textReply(s), NOW), renderReply(incoming, textReply(s), NOW));
  }), { numRuns: 500 });
  for (const s of ['你好', 'a]]>b', 'ctl\u0001x', '😀', 'tab\tnew\nline', '']) {
    assert.equal(renderReplyFast(incoming, textReply(s), NOW), renderReply(incoming, textReply(s), NOW), JSON.stringify(s));
  }
});

test('other reply types go through the protocol layer unchanged', () => {
  const news = newsReply([{ Title: 'a' }, { Title: 'b' }]);
  assert.equal(renderReplyFast(incoming, news, NOW), renderReply(incoming, news, NOW));
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

test('the fast envelope equals the protocol layer\'s sealEnvelope + buildEnvelopeXml, and opens', () => {
  const cipher = new MessageCipher('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', 'wx1234567890abcdef');
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s), fc.stringMatching(/^\d{10}$/), (nonce, ts) => {
    const xml = renderReply(incoming, textReply('你好'), NOW);
    const fast = sealReplyFast(cipher, 'tok', xml, ts, nonce);
    const env = parseEnvelope(fast);
    assert.ok(verifyEnvelope(env, 'tok'));
    assert.equal(cipher.decrypt(env.Encrypt), xml);
    // Same Encrypt value → the protocol layer must write the identical bytes.
    const reference = buildEnvelopeXml({ Encrypt: env.Encrypt, MsgSignature: computeMsgSignature('tok', ts, nonce, env.Encrypt), TimeStamp: ts, Nonce: nonce });
    assert.equal(fast, reference);
  }), { numRuns: 200 });
});
