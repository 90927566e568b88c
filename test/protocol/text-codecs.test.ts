import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonQuote } from '../../src/protocol/json-quote.js';
import { writeUtf8 } from '../../src/protocol/utf8.js';

// The same text as a flat, a concatenated, a sliced and a two-byte-backed string: the encoders must
// not care which representation V8 picked (they are called through the builtin for speed).
function representations(s: string): string[] {
  const pad = 'x'.repeat(20);
  return [
    s,
    `${pad}${s}`.slice(pad.length),
    s.concat(''),
    pad.concat(s).substring(pad.length),
    `\u4e00${s}`.slice(1),
    JSON.parse(JSON.stringify(s)) as string,
  ];
}

const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

test("writeUtf8 gives Buffer's bytes for any well-formed string, in any representation", () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      for (const r of representations(s)) {
        const buf = Buffer.alloc(r.length * 3 + 4);
        const n = writeUtf8(buf, r, 2);
        if (!wellFormed(r)) {
          assert.equal(n, -1);
          continue;
        }
        const want = Buffer.from(r, 'utf8');
        assert.equal(n, want.length);
        assert.deepEqual(buf.subarray(2, 2 + n), want);
      }
    }),
    { numRuns: 500 },
  );
});

test('a lone surrogate is refused, not written as U+FFFD', () => {
  const buf = Buffer.alloc(16);
  assert.equal(writeUtf8(buf, 'a\ud800b', 0), -1);
  assert.equal(writeUtf8(buf, '\udc00', 0), -1);
  assert.equal(writeUtf8(buf, '😀', 0), 4);
});

test('jsonQuote is JSON.stringify for any string', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
      for (const r of representations(s)) assert.equal(jsonQuote(r), JSON.stringify(r));
    }),
    { numRuns: 500 },
  );
  assert.equal(jsonQuote('a"b\\c\n'), '"a\\"b\\\\c\\n"');
  assert.equal(jsonQuote('你好'), '"你好"');
});
