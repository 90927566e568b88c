import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeOutcome, encodeOutcome, type Outcome } from '../../src/bot/dedupe.js';

const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', 'a"}}', 'x\\"}}', '今天过得怎么样 1', '😀', '\ud800', 'line\nbreak'),
);

test('stored outcomes read back as they were written, for any reply text', () => {
  fc.assert(
    fc.property(texts, (Content) => {
      const o: Outcome = { kind: 'reply', reply: { MsgType: 'text', Content } };
      const raw = encodeOutcome(o);
      assert.equal(raw, JSON.stringify(o));
      assert.deepEqual(decodeOutcome(raw), JSON.parse(raw));
    }),
    { numRuns: 3000 },
  );
  for (const o of [
    { kind: 'none' },
    { kind: 'late' },
    { kind: 'reply', reply: { MsgType: 'image', Image: { MediaId: 'm' } } },
  ] as Outcome[]) {
    assert.deepEqual(decodeOutcome(encodeOutcome(o)), o);
  }
});

test('a stored value another writer shaped differently is read by the JSON parser, never misread', () => {
  const prefix = '{"kind":"reply","reply":{"MsgType":"text","Content":"';
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '"', '\\', '}', ',', ':', 'n') }), (tail) => {
      const raw = prefix + tail;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      const ok = parsed && typeof (parsed as { reply?: unknown }).reply === 'object' ? parsed : undefined;
      assert.deepEqual(decodeOutcome(raw), ok);
    }),
    { numRuns: 3000 },
  );
  assert.deepEqual(decodeOutcome(`${prefix}a","Extra":"b"}}`), {
    kind: 'reply',
    reply: { MsgType: 'text', Content: 'a', Extra: 'b' },
  });
  assert.equal(decodeOutcome('pending'), undefined);
});
