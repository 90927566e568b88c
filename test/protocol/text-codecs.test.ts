import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonQuote } from '../../src/protocol/json-quote.js';

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
