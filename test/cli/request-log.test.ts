import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { formatJson, formatPretty } from '../../src/cli/request-log.js';
import type { RequestLog } from '../../src/server/types.js';

const plain = new Chalk({ level: 0 });
const message = (Content: string) => ({
  ToUserName: 'gh_1',
  FromUserName: 'oUserOpenId0001',
  CreateTime: 1,
  MsgType: 'text',
  Content,
  MsgId: '1',
});
const record = (time: number, Content: string, reply: string): RequestLog => ({
  type: 'request',
  level: 'info',
  time,
  id: 'abc',
  method: 'POST',
  path: '/wechat',
  status: 200,
  mode: 'plain',
  latencyMs: 1.5,
  dedupe: false,
  late: false,
  message: message(Content) as RequestLog['message'],
  reply: { MsgType: 'text', Content: reply },
});
// What the previews are specified to be: whitespace collapsed, trimmed, cut to 48 with an ellipsis, JSON-quoted.
const preview = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > 48 ? `${one.slice(0, 47)}…` : one);
};
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

test('log times are the clock and ISO time of each record, whatever the order records come in', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 8.64e15 }), { minLength: 1, maxLength: 20 }), (times) => {
      for (const t of times) {
        const d = new Date(t);
        const line = formatPretty(record(t, 'hi', 'ho'), plain);
        assert.ok(
          line.startsWith(
            `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} POST 200 plain `,
          ),
          line,
        );
        assert.equal(JSON.parse(formatJson(record(t, 'hi', 'ho'))).time, d.toISOString());
      }
    }),
    { numRuns: 300 },
  );
});

test('previews are collapsed, cut and quoted exactly as specified, for any text', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom('', ' ', ' a', 'a  b', 'x\u3000y', 'q"\\', '😀'.repeat(30)),
      ),
      fc.string(),
      (said, answer) => {
        const line = formatPretty(record(1_700_000_000_000, said, answer), plain);
        const shown = said ? ` ${preview(said)}` : '';
        assert.ok(line.includes(`oUse…0001 text${shown} → text ${preview(answer)} 1.5ms`), line);
      },
    ),
    { numRuns: 1000 },
  );
});

test('the deadline tag says `success sent` only when it was: a held delivery or the waiting text says its own step', () => {
  const late = { ...record(0, '讲个笑话', ''), reply: undefined, late: true };
  assert.match(formatPretty(late, plain), /→ success .*\[deadline: success sent, reply goes late\]$/);
  const held = formatPretty({ ...late, status: 0, slow: 'held', delivery: 1 }, plain);
  assert.match(
    held,
    /→ \(closed, no reply\) .*\[slow: delivery 1 held, closed without a reply so WeChat delivers again\]$/,
  );
  assert.doesNotMatch(held, /success sent/);
  const waiting = formatPretty(
    { ...late, reply: { MsgType: 'text', Content: '正在思考' }, slow: 'waiting', delivery: 3 },
    plain,
  );
  assert.doesNotMatch(waiting, /success sent/);
  assert.match(waiting, /\[slow: waiting text on delivery 3/);
  // A delivery the store could not count (Redis down) has no number, rather than a made-up one.
  const uncounted = formatPretty({ ...late, reply: { MsgType: 'text', Content: '正在思考' }, slow: 'waiting' }, plain);
  assert.match(uncounted, /\[slow: waiting text on an uncounted delivery \(the store failed\), the answer is kept/);
});
