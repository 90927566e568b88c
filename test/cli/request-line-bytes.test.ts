import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { requestLineRoom, writeRequestLine } from '../../src/cli/request-line-bytes.js';
import { formatPretty } from '../../src/cli/request-log.js';
import type { RequestLog } from '../../src/server/types.js';

const plain = new Chalk({ level: 0 });

/** The fast writer's bytes for `r`, or undefined when it hands the record to formatPretty. */
function direct(r: RequestLog): Buffer | undefined {
  const room = requestLineRoom(r);
  if (room < 0) return undefined;
  // Filled with a marker: a write past the room it asked for would show up as a length mismatch.
  const buf = Buffer.alloc(room + 64, 0xff);
  const n = writeRequestLine(r, buf, 7);
  if (n < 0) return undefined;
  assert.ok(n <= room, `wrote ${n} bytes with ${room} reserved`);
  assert.equal(buf[7 + n], 0xff);
  return buf.subarray(7, 7 + n);
}

const texts = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    ' ',
    ' a',
    'a  b',
    'x\u3000y',
    'q"\\',
    'back\\slash',
    'say "hi"',
    'tab\there',
    '今天过得怎么样 123',
    '😀'.repeat(30),
    `${'a'.repeat(47)}😀`,
    '\ud800',
    'x\udc00y',
    '你'.repeat(60),
  ),
);
const kinds = fc.constantFrom('text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event', 'weird');
const record = fc
  .record({
    time: fc.oneof(fc.integer({ min: 0, max: 8.64e15 }), fc.constant(1_764_640_000_123), fc.double()),
    method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
    status: fc.constantFrom(200, 400, 401, 404, 413, 500),
    mode: fc.constantFrom('plain', 'safe', 'compat'),
    latencyMs: fc.oneof(
      fc.integer({ min: 0, max: 100000 }).map((h) => h / 100),
      fc.double(),
    ),
    dedupe: fc.boolean(),
    late: fc.boolean(),
    verify: fc.option(fc.boolean(), { nil: undefined }),
    reason: fc.option(fc.oneof(texts, fc.constant('invalid signature')), { nil: undefined }),
    from: fc.oneof(texts, fc.constantFrom('oBenchUser12', 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', 'short')),
    kind: kinds,
    said: texts,
    event: fc.option(fc.oneof(texts, fc.constantFrom('subscribe', 'CLICK'), fc.constant(null), fc.integer()), {
      nil: undefined,
    }),
    hasMessage: fc.boolean(),
    reply: fc.option(
      fc.oneof(
        texts.map((Content) => ({ MsgType: 'text', Content })),
        fc.constant({ MsgType: 'image', Image: { MediaId: 'media1' } }),
        texts.map((Title) => ({ MsgType: 'news', Articles: [{ Title, Description: '', PicUrl: '', Url: '' }] })),
        fc.constant({ MsgType: 'text', Content: 42 }),
      ),
      { nil: undefined },
    ),
  })
  .map((x): RequestLog => {
    const m: Record<string, unknown> = {
      ToUserName: 'gh_1',
      FromUserName: x.from,
      CreateTime: 1,
      MsgType: x.kind,
      MsgId: '1',
    };
    if (x.kind === 'text') m.Content = x.said;
    if (x.kind === 'image') m.PicUrl = x.said;
    if (x.kind === 'voice') m.Recognition = x.said;
    if (x.kind === 'location') Object.assign(m, { Label: x.said, Location_X: 23.1, Location_Y: 113.3 });
    if (x.kind === 'link') Object.assign(m, { Title: x.said, Url: 'https://example.com/' });
    if (x.kind === 'event') {
      if (x.event !== undefined) m.Event = x.event;
      m.EventKey = x.said;
    }
    const r: RequestLog = {
      type: 'request',
      level: 'info',
      time: x.time,
      id: 'abc',
      method: x.method,
      path: '/wechat',
      status: x.status,
      mode: x.mode as RequestLog['mode'],
      latencyMs: x.latencyMs,
      dedupe: x.dedupe,
      late: x.late,
    };
    if (x.verify) r.verify = true;
    if (x.reason !== undefined) r.reason = x.reason;
    if (x.hasMessage) r.message = m as unknown as RequestLog['message'];
    if (x.reply) r.reply = x.reply as RequestLog['reply'];
    return r;
  });

test('a request line written straight into bytes is byte for byte formatPretty without colour, or left to it', () => {
  let direct_ = 0;
  fc.assert(
    fc.property(record, (r) => {
      const bytes = direct(r);
      if (bytes === undefined) return;
      direct_++;
      assert.equal(bytes.toString('utf8'), formatPretty(r, plain));
      assert.deepEqual(bytes, Buffer.from(formatPretty(r, plain)));
    }),
    { numRuns: 5000 },
  );
  // The generator above is hostile on purpose; still most lines must take the direct path.
  assert.ok(direct_ > 1000, `only ${direct_} of 5000 records written directly`);
});

test('the lines a server writes all day take the direct path', () => {
  const m = {
    ToUserName: 'gh_1',
    FromUserName: 'oBenchUser123',
    CreateTime: 1,
    MsgType: 'text',
    Content: '今天过得怎么样 12',
    MsgId: '1',
  };
  const base = {
    type: 'request',
    level: 'info',
    time: 1_764_640_000_005,
    id: 'a',
    method: 'POST',
    path: '/wechat',
    status: 200,
    mode: 'safe',
    latencyMs: 0.12,
    dedupe: false,
    late: false,
  } as const;
  const cases: RequestLog[] = [
    {
      ...base,
      message: m as unknown as RequestLog['message'],
      reply: { MsgType: 'text', Content: '今天过得怎么样 12' },
    },
    {
      ...base,
      message: m as unknown as RequestLog['message'],
      dedupe: true,
      reply: { MsgType: 'text', Content: 'x'.repeat(100) },
    },
    {
      ...base,
      message: { ...m, MsgType: 'event', Event: 'subscribe', EventKey: '' } as unknown as RequestLog['message'],
    },
    { ...base, status: 401, level: 'warn', reason: 'invalid signature' },
    { ...base, method: 'GET', verify: true },
  ];
  for (const r of cases) {
    const bytes = direct(r);
    assert.ok(bytes, `not direct: ${formatPretty(r, plain)}`);
    assert.equal(bytes.toString('utf8'), formatPretty(r, plain));
  }
  assert.match(
    direct(cases[0]!)!.toString(),
    / POST 200 safe {3}oBen…r123 text "今天过得怎么样 12" → text "今天过得怎么样 12" 0\.12ms$/,
  );
});
