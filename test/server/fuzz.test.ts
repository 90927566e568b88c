// Property-based fuzzing of the real webhook (createHandler on node:http, plaintext, compatible and
// safe mode): random bytes, random XML, mutated real messages, random query strings, random
// ciphertexts. Every answer must have a documented status (never 5xx), a 200 must read as WeChat
// would read it, nothing may escape as an uncaught exception or unhandled rejection, and signed
// messages in every mode must still be answered after each property.
//
// 4 000 cases by default (~10 s on two cores); WXBOT_FUZZ_RUNS=N runs N in total (same proportions), and
// WXBOT_FUZZ_SEED=<seed> (plus WXBOT_FUZZ_PATH=<path>) replays what a failure printed.
import { messageBoundsProblem } from '../../src/server/bounds.js';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { createBot, type Bot } from '../../src/bot/bot.js';
import { dedupeId } from '../../src/bot/dedupe.js';
import { createDemoBot } from '../../src/bot/demo.js';
import { CryptoError } from '../../src/protocol/errors.js';
import { decodeAesKey } from '../../src/protocol/crypto.js';
import { KNOWN_EVENT_TYPES, USER_MESSAGE_TYPES, type WechatMessage } from '../../src/protocol/messages.js';
import { parseEncryptedBody, parseMessage } from '../../src/protocol/parse.js';
import type { Reply } from '../../src/protocol/replies.js';
import { computeMsgSignature, computeSignature } from '../../src/protocol/signature.js';
import { stripIllegalXmlChars } from '../../src/protocol/xml.js';
import { sampleNames, sampleXml } from '../helpers/fixtures.js';
import { ACCOUNT, now, type HttpResult, type Mode } from './client.js';
import {
  CIPHER,
  assertDocumented,
  assertStillAnswers,
  encryptedQuery,
  listen,
  readAnswer,
  send,
  signedPush,
  watchProcess,
  type Target,
} from './fuzz-support.js';

// ---- run budget -------------------------------------------------------------------------------

const DEFAULT_TOTAL = 4000;
const TOTAL = Number(process.env.WXBOT_FUZZ_RUNS) > 0 ? Number(process.env.WXBOT_FUZZ_RUNS) : DEFAULT_TOTAL;
// Shares of the total per property (they add up to 1).
const SHARE = { bytes: 0.1, xml: 0.18, mutated: 0.3, query: 0.17, stamp: 0.08, cipher: 0.17 } as const;
const replay: fc.Parameters<unknown> = process.env.WXBOT_FUZZ_SEED
  ? {
      seed: Number(process.env.WXBOT_FUZZ_SEED),
      ...(process.env.WXBOT_FUZZ_PATH ? { path: process.env.WXBOT_FUZZ_PATH } : {}),
    }
  : {};
const runsFor = (share: number) => Math.max(1, Math.round(TOTAL * share));

// ---- targets ----------------------------------------------------------------------------------

/** Echoes its own view of every message as JSON (text `alive …` is echoed plainly for the liveness check). */
function mirrorBot(): Bot {
  return (
    createBot()
      .text(/^alive /, (ctx) => ctx.text)
      // JSON escapes every character XML cannot carry except U+FFFE/U+FFFF; escape those too.
      .fallback((ctx) =>
        JSON.stringify(ctx.message).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`),
      )
  );
}

let demo: Target;
let mirror: Target;
let watch: ReturnType<typeof watchProcess>;
let requests = 0;
const exchangeErrors: unknown[] = [];
// Dedupe ids each target has seen: a repeat is answered from the first delivery, not mirrored again.
const seen = new WeakMap<Target, Set<string>>();

before(async () => {
  watch = watchProcess();
  // The demo target also records exchanges (as `wxbot serve --history` does), serialising each one:
  // the handler swallows errors thrown there, so they are collected and asserted on instead.
  demo = await listen(createDemoBot(), {
    onExchange: (x) => {
      try {
        JSON.stringify(x);
      } catch (e) {
        exchangeErrors.push(e);
      }
    },
  });
  mirror = await listen(mirrorBot());
  seen.set(demo, new Set());
  seen.set(mirror, new Set());
});

after(async () => {
  await demo.close();
  await mirror.close();
  watch.dispose();
});

async function hit(t: Target, r: Parameters<typeof send>[1], what: string): Promise<HttpResult> {
  requests++;
  const res = await send(t, r);
  assertDocumented(res, what);
  return res;
}

/** Runs one property, then checks the process and that signed messages in every mode are still answered. */
async function fuzz<T>(
  t: { diagnostic(s: string): void },
  share: number,
  arb: fc.Arbitrary<T>,
  run: (x: T) => Promise<void>,
): Promise<void> {
  const numRuns = runsFor(share);
  const before = requests;
  await fc.assert(
    fc.asyncProperty(arb, async (x) => {
      await run(x);
      assert.deepEqual(watch.errors, [], 'no uncaught exception or unhandled rejection');
    }),
    { numRuns, includeErrorInReport: true, ...replay } as fc.Parameters<[T]>,
  );
  for (const target of [demo, mirror]) {
    await assertStillAnswers(target);
    const fives = target.logs.filter((l) => l.type === 'request' && l.status >= 500);
    assert.deepEqual(fives, [], 'no 5xx logged');
  }
  assert.deepEqual(watch.errors, []);
  assert.deepEqual(exchangeErrors, [], 'every exchange record serialises');
  t.diagnostic(`${numRuns} cases, ${requests - before} requests`);
}

// ---- expectations from the protocol layer -------------------------------------------------------

type Expect = { status: 200; message: WechatMessage } | { status: 400 | 401 };

function expectPlain(xml: string): Expect {
  let message: WechatMessage;
  try {
    message = parseMessage(xml);
  } catch {
    return { status: 400 };
  }
  // The server's own bounds on identifiers (a MsgId of at most 20 digits, …): 400 beyond them.
  return messageBoundsProblem(message) === undefined ? { status: 200, message } : { status: 400 };
}

/** What the server must answer for a push with a correctly signed body (the protocol layer is the reference). */
function expectPush(mode: Mode, xml: string, p: { body: string; encrypt?: string }): Expect | { status: 413 } {
  if (Buffer.byteLength(p.body) > BODY_LIMIT) return { status: 413 };
  if (mode === 'compat') {
    let outer;
    try {
      outer = parseEncryptedBody(p.body);
    } catch {
      return { status: 400 };
    }
    // An <Encrypt> of the fuzzed XML placed before ours is the one read, and it is not what was signed.
    if (outer.Encrypt !== p.encrypt) return { status: 401 };
  }
  return expectPlain(xml);
}

const BODY_LIMIT = 1024 * 1024;
const clean = (s: unknown) => (typeof s === 'string' ? stripIllegalXmlChars(s) : s);

/** A 200 must read as a reply to `message`; the mirror's reply must be exactly the message the protocol layer reads. */
function checkAnswer(t: Target, r: HttpResult, mode: Mode, nonce: string, message: WechatMessage): void {
  const reply: Reply | undefined = readAnswer(r, mode, nonce);
  if (reply) {
    assert.equal(reply.ToUserName, clean(message.FromUserName), 'reply goes back to the sender');
    assert.equal(reply.FromUserName, clean(message.ToUserName), 'reply comes from the account');
  }
  const ids = seen.get(t)!;
  const id = dedupeId(message);
  if (ids.has(id)) return; // a retry: answered from the first delivery
  ids.add(id);
  if (t === mirror) {
    assert.equal(reply?.MsgType, 'text', 'the mirror always answers');
    const content = reply.MsgType === 'text' ? reply.Content : '';
    if (
      typeof (message as { Content?: unknown }).Content === 'string' &&
      message.MsgType === 'text' &&
      /^alive /.test((message as { Content: string }).Content)
    )
      return;
    assert.deepStrictEqual(
      JSON.parse(content),
      JSON.parse(JSON.stringify(message)),
      'the server reads the message as the protocol layer does',
    );
  }
}

/** Sends a correctly signed push of `xml` in `mode` to a target and checks the answer against the protocol layer. */
async function pushAndCheck(t: Target, mode: Mode, xml: string): Promise<void> {
  const p = signedPush(mode, xml);
  const r = await hit(t, { path: p.path, body: p.body, headers: { 'content-type': 'text/xml' } }, `${mode} push`);
  const want = expectPush(mode, xml, p);
  assert.equal(r.status, want.status, `${mode}: ${r.body}`);
  if (want.status === 200) checkAnswer(t, r, mode, p.nonce, want.message);
}

// ---- generators -------------------------------------------------------------------------------

const MODES: Mode[] = ['plain', 'compat', 'safe'];
const mode = fc.constantFrom(...MODES);

let idSeq = 8_000_000_000_000_000_000n;
const uniqueId = () => String(++idSeq);
let timeSeq = 1_700_000_000;
const uniqueTime = () => String(++timeSeq);

const WECHAT_TAGS = [
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Content',
  'MsgId',
  'MsgID',
  'Event',
  'EventKey',
  'PicUrl',
  'MediaId',
  'Format',
  'Recognition',
  'ThumbMediaId',
  'Location_X',
  'Location_Y',
  'Scale',
  'Label',
  'Title',
  'Description',
  'Url',
  'Latitude',
  'Longitude',
  'Precision',
  'Ticket',
  'ScanCodeInfo',
  'ScanType',
  'ScanResult',
  'SendPicsInfo',
  'Count',
  'PicList',
  'item',
  'PicMd5Sum',
  'SendLocationInfo',
  'Poiname',
  'Status',
  'TotalCount',
  'Encrypt',
  'Articles',
  'MenuId',
  'Idx',
  'xml',
];
const HOSTILE_TAGS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'then',
  'toJSON',
  'a:b',
  'xmlns:x',
];
// Every type wxbot knows, plus ones it must treat as unknown.
const MSG_TYPES = [...USER_MESSAGE_TYPES, 'event', 'miniprogrampage', '', 'TEXT'];
const EVENTS = [...KNOWN_EVENT_TYPES, 'whatever'];

const tagName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...WECHAT_TAGS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TAGS) },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/) },
);

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
// Raw CDATA split around "]]>", without the protocol layer's stripping: illegal characters get through.
const rawCdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** Element text: escaped text, CDATA (any code point), numbers, entities, odd markup. */
const textValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }).map(escapeText),
  fc.string({ unit: 'binary', maxLength: 24 }).map(rawCdata),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }).map(rawCdata),
  fc.oneof(fc.integer(), fc.double(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n })).map(String),
  fc.constantFrom(
    '',
    ' ',
    '\r\n',
    'a\rb',
    'NaN',
    'Infinity',
    '1e309',
    '0x1F',
    '١٢٣',
    '&lt;&amp;&gt;&quot;&apos;',
    '&unknown;',
    '&#0;',
    '&#x110000;',
    '&#xD800;',
    '&#x1F600;',
    '<!-- c -->1',
    '<?pi x?>2',
    '<![CDATA[a]]]]><![CDATA[>b]]>',
    'a<![CDATA[b]]>c',
    '\u0000\u0001\u001f',
    '\uFFFE\uFFFF',
  ),
);

const { element } = fc.letrec<{ element: string }>((tie) => ({
  element: fc
    .tuple(
      tagName,
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        textValue,
        fc.array(tie('element'), { maxLength: 4 }).map((xs) => xs.join('')),
      ),
      fc.constantFrom('', '', '', ' a="1"', ' xmlns="urn:x"'),
      fc.boolean(),
    )
    .map(([tag, content, attr, selfClose]) =>
      selfClose && content === '' ? `<${tag}${attr}/>` : `<${tag}${attr}>${content}</${tag}>`,
    ),
}));

/** The fields that make a document a message, each present with some probability, with random values. */
const headerFields = fc.record(
  {
    ToUserName: fc.oneof(fc.constant('gh_123456789abc'), textValue),
    FromUserName: fc.oneof(fc.constant('oUserOpenId0000000000000000'), textValue),
    CreateTime: fc.oneof(fc.constant('1700000000'), textValue),
    MsgType: fc.oneof(fc.constantFrom(...MSG_TYPES).map(rawCdata), textValue),
    Event: fc.constantFrom(...EVENTS).map(rawCdata),
    Content: textValue,
  },
  { requiredKeys: [] },
);

const randomXml = fc
  .tuple(
    headerFields,
    fc.array(element, { maxLength: 6 }),
    fc.boolean(),
    fc.constantFrom('', '\n', '  ', '\r\n\t'),
    fc.constantFrom(
      '<xml>',
      '<xml>',
      '<xml>',
      '<root>',
      '<?xml version="1.0" encoding="UTF-8"?><xml>',
      '<xml xmlns="urn:x">',
    ),
  )
  .map(([header, extra, withId, ws, open]) => {
    const fields = Object.entries(header).map(([tag, v]) => `<${tag}>${v}</${tag}>`);
    if (withId) fields.push(`<MsgId>${uniqueId()}</MsgId>`);
    fields.push(...extra);
    const close = open.includes('<root>') ? '</root>' : '</xml>';
    return `${open}${ws}${fields.join(ws)}${ws}${close}`;
  });

// Mutations of the sample messages, as data so a counterexample prints readably.
interface Field {
  tag: string;
  inner: string;
}

/** Top-level children of a sample (samples nest no element inside one of the same name). */
function fieldsOf(xml: string): Field[] {
  const body = xml.trim().slice('<xml>'.length, -'</xml>'.length);
  const out: Field[] = [];
  for (let i = body.indexOf('<'); i >= 0; i = body.indexOf('<', i)) {
    const gt = body.indexOf('>', i);
    const tag = body.slice(i + 1, gt);
    const close = body.indexOf(`</${tag}>`, gt);
    out.push({ tag, inner: body.slice(gt + 1, close) });
    i = close + tag.length + 3;
  }
  return out;
}

const SAMPLES = sampleNames().map((name) => ({ name, fields: fieldsOf(sampleXml(name)) }));

/** A huge value, as data (it prints short in a counterexample): ~`bytes` on the wire, in a few shapes. */
interface Huge {
  huge: string;
  bytes: number;
}
const hugeValue: fc.Arbitrary<Huge> = fc.record({
  huge: fc.constantFrom('A', '中', '😀', ']]>', '&amp;', '<a>x</a>', '9', 'deep'),
  bytes: fc.integer({ min: 1_000, max: 100_000 }),
});

function materialize(v: string | Huge): string {
  if (typeof v === 'string') return v;
  const { huge: unit, bytes } = v;
  if (unit === 'deep') {
    const n = Math.floor(bytes / 7);
    return '<a>'.repeat(n) + '</a>'.repeat(n);
  }
  if (unit === '&amp;' || unit === '<a>x</a>' || unit === '9') return unit.repeat(Math.floor(bytes / unit.length));
  // Inside CDATA a "]]>" costs 15 bytes once split.
  const each = unit === ']]>' ? 15 : Buffer.byteLength(unit);
  return rawCdata(unit.repeat(Math.max(1, Math.floor(bytes / each))));
}

type Mutation =
  | { op: 'drop'; i: number }
  | { op: 'duplicate'; i: number; at: number }
  | { op: 'swap'; i: number; j: number }
  | { op: 'set'; i: number; value: string | Huge }
  | { op: 'rename'; i: number; tag: string }
  | { op: 'insert'; at: number; tag: string; value: string }
  | { op: 'kind'; msgType: string; event: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), i: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({
    op: fc.constant('set' as const),
    i: fc.nat(),
    value: fc.oneof(
      { weight: 4, arbitrary: textValue },
      { weight: 2, arbitrary: element },
      { weight: 1, arbitrary: hugeValue },
    ),
  }),
  fc.record({ op: fc.constant('rename' as const), i: fc.nat(), tag: tagName }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), tag: tagName, value: fc.oneof(textValue, element) }),
  fc.record({
    op: fc.constant('kind' as const),
    msgType: fc.constantFrom(...MSG_TYPES),
    event: fc.constantFrom(...EVENTS),
  }),
);

function mutate(fields: Field[], m: Mutation): Field[] {
  const f = [...fields];
  const n = f.length;
  switch (m.op) {
    case 'drop':
      if (n) f.splice(m.i % n, 1);
      break;
    case 'duplicate':
      if (n) f.splice(m.at % (n + 1), 0, f[m.i % n]!);
      break;
    case 'swap':
      if (n) [f[m.i % n], f[m.j % n]] = [f[m.j % n]!, f[m.i % n]!];
      break;
    case 'set':
      if (n) f[m.i % n] = { tag: f[m.i % n]!.tag, inner: materialize(m.value) };
      break;
    case 'rename':
      if (n) f[m.i % n] = { tag: m.tag, inner: f[m.i % n]!.inner };
      break;
    case 'insert':
      f.splice(m.at % (n + 1), 0, { tag: m.tag, inner: m.value });
      break;
    case 'kind':
      return f.map((x) =>
        x.tag === 'MsgType'
          ? { tag: x.tag, inner: rawCdata(m.msgType) }
          : x.tag === 'Event'
            ? { tag: x.tag, inner: rawCdata(m.event) }
            : x,
      );
  }
  return f;
}

const mutatedMessage = fc.tuple(
  fc.constantFrom(...SAMPLES.map((x) => x.name)),
  fc.array(mutation, { minLength: 1, maxLength: 4 }),
  fc.constantFrom('', '\n  ', '\r\n'),
);

/** The document for a mutated sample; built in the property so a counterexample prints the recipe, not megabytes. */
function buildMutated([name, mutations, ws]: [string, Mutation[], string]): string {
  // Fresh MsgId / CreateTime first, so dedupe does not answer a case from an earlier one.
  let fields = SAMPLES.find((x) => x.name === name)!.fields.map((x) =>
    x.tag === 'MsgId'
      ? { tag: x.tag, inner: uniqueId() }
      : x.tag === 'CreateTime'
        ? { tag: x.tag, inner: uniqueTime() }
        : x,
  );
  for (const m of mutations) fields = mutate(fields, m);
  return `<xml>${ws}${fields.map((x) => `<${x.tag}>${x.inner}</${x.tag}>`).join(ws)}${ws}</xml>`;
}

// ---- properties -------------------------------------------------------------------------------

test('random bytes as the body are refused with 400 (signed plaintext, signed safe mode, unsigned)', async (t) => {
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
    // XML-ish soup reaches deeper into the parser than uniform bytes.
    fc
      .array(
        fc.constantFrom(
          '<',
          '>',
          '/',
          '!',
          '[',
          ']',
          '&',
          ';',
          '#',
          'x',
          'm',
          'l',
          'CDATA',
          '<xml>',
          '</xml>',
          '<Encrypt>',
          ' ',
          '"',
          '=',
          '?',
          '中',
          '\u0000',
        ),
        { maxLength: 200 },
      )
      .map((xs) => Buffer.from(xs.join(''))),
  );
  const query = fc.constantFrom('plain', 'safe', 'unsigned');
  const headers = fc.record(
    {
      'content-type': fc.constantFrom(
        'text/xml',
        'application/json',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
      ),
      'transfer-encoding': fc.constant('chunked'),
    },
    { requiredKeys: [] },
  );
  await fuzz(t, SHARE.bytes, fc.tuple(body, query, headers), async ([b, q, h]) => {
    const path =
      q === 'plain'
        ? signedPush('plain', '').path
        : q === 'safe'
          ? `/wechat?${encryptedQuery('x')}`
          : '/wechat?timestamp=1&nonce=2';
    const r = await hit(demo, { path, body: b, headers: h }, 'random bytes');
    assert.equal(r.status, 400, r.body);
  });
});

test('random well-formed XML with random tags and values: 200 exactly when the protocol layer reads a message, else 400', async (t) => {
  await fuzz(t, SHARE.xml, fc.tuple(randomXml, mode, fc.boolean()), async ([xml, m, toMirror]) => {
    await pushAndCheck(toMirror ? mirror : demo, m, xml);
  });
});

test('mutated sample messages of every kind (fields dropped, duplicated, swapped, retyped, huge, renamed, injected)', async (t) => {
  const kinds = new Set<string>();
  await fuzz(t, SHARE.mutated, fc.tuple(mutatedMessage, mode), async ([recipe, m]) => {
    kinds.add(recipe[0]);
    const xml = buildMutated(recipe);
    // The same case both ways, at once: the demo bot answers every kind; the mirror shows what the server read.
    await Promise.all([pushAndCheck(demo, m, xml), pushAndCheck(mirror, m, xml)]);
  });
  if (!process.env.WXBOT_FUZZ_PATH && runsFor(SHARE.mutated) >= 20 * SAMPLES.length) {
    assert.deepEqual([...kinds].sort(), SAMPLES.map((x) => x.name).sort(), 'every sample kind was mutated');
  }
});

// Query strings: a correctly signed request, then parameters inserted, dropped, replaced, reordered.
const KNOWN_KEYS = ['signature', 'timestamp', 'nonce', 'echostr', 'openid', 'encrypt_type', 'msg_signature'];
const SIGNED_KEYS = new Set(['signature', 'timestamp', 'nonce']);
type Pair = { key: string; value?: string };

const wireValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom(
    '',
    'aes',
    'raw',
    'AES',
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '%2B',
    '+',
    '%20',
    '0',
    '-1',
    '9'.repeat(20),
    'a=b',
    '%26signature%3D1',
  ),
);
const wireKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Signature',
      'SIGNATURE',
      '%73ignature',
      'signature[]',
      'signature.',
      'msg_signature[0]',
      'nonce%00',
      '',
      '__proto__',
      'constructor',
      'hasOwnProperty',
    ),
  },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/) },
);
type QueryEdit =
  | { op: 'insert'; at: number; pair: Pair }
  | { op: 'drop'; i: number }
  | { op: 'swap'; i: number; j: number }
  | { op: 'value'; i: number; value: string };
const queryEdit: fc.Arbitrary<QueryEdit> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      pair: fc.record({ key: wireKey, value: wireValue }, { requiredKeys: ['key'] }),
    }),
  },
  fc.record({ op: fc.constant('drop' as const), i: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('value' as const), i: fc.nat(), value: wireValue }),
);

function editQuery(pairs: Pair[], e: QueryEdit): Pair[] {
  const p = [...pairs];
  const n = p.length;
  if (e.op === 'insert') p.splice(e.at % (n + 1), 0, e.pair);
  else if (!n) return p;
  else if (e.op === 'drop') p.splice(e.i % n, 1);
  else if (e.op === 'swap') [p[e.i % n], p[e.j % n]] = [p[e.j % n]!, p[e.i % n]!];
  else p[e.i % n] = { key: p[e.i % n]!.key, value: e.value };
  return p;
}

const wire = (pairs: Pair[]) => pairs.map((x) => (x.value === undefined ? x.key : `${x.key}=${x.value}`)).join('&');

function decodeOr(v: string | undefined): string | undefined | Error {
  if (v === undefined) return '';
  try {
    return decodeURIComponent(v);
  } catch (e) {
    return e as Error;
  }
}

test('random query strings (inserted, repeated, dropped, replaced, reordered parameters; other methods): never accepted unless the signed values are intact', async (t) => {
  const arb = fc.tuple(
    fc.constantFrom('GET', 'POST', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    fc.array(queryEdit, { maxLength: 5 }),
    fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
    fc.constantFrom('', '&', '&&'),
  );
  await fuzz(t, SHARE.query, arb, async ([method, edits, echostr, sep]) => {
    const ts = now();
    const nonce = String(100000 + Number(++idSeq % 900000n));
    const base: Pair[] = [
      { key: 'signature', value: computeSignature(ACCOUNT.token, ts, nonce) },
      { key: 'timestamp', value: ts },
      { key: 'nonce', value: nonce },
      method === 'GET' ? { key: 'echostr', value: echostr } : { key: 'openid', value: 'oFuzz' },
    ];
    let pairs = base;
    for (const e of edits) pairs = editQuery(pairs, e);
    const content = `query ${uniqueId()}`;
    const body = method === 'GET' || method === 'HEAD' ? undefined : signedPush('plain', textXmlWith(content)).body;
    const r = await hit(
      demo,
      { method, path: `/wechat?${sep}${wire(pairs)}${sep}`, body },
      `${method} ?${wire(pairs)}`,
    );

    if (!['GET', 'POST'].includes(method)) {
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, 'GET, POST');
      return;
    }
    // What the request means, read independently of the server: raw keys, exact match, percent-decoding.
    const occ = new Map<string, (string | undefined)[]>();
    for (const x of pairs) if (KNOWN_KEYS.includes(x.key)) occ.set(x.key, [...(occ.get(x.key) ?? []), x.value]);
    const values = [...occ.values()].flat().map(decodeOr);
    if (values.some((v) => v instanceof Error)) {
      assert.equal(r.status, 400, 'malformed percent-encoding');
      return;
    }
    if ([...occ.values()].some((v) => v.length > 1)) {
      assert.equal(r.status, 400, `a repeated parameter is refused: ${r.body}`);
      return;
    }
    const get = (k: string) => (occ.has(k) ? (decodeOr(occ.get(k)![0]) as string) : undefined);
    const intact =
      [...SIGNED_KEYS].every((k) => get(k) === decodeOr(base.find((b) => b.key === k)!.value)) &&
      // URL verification is told apart by msg_signature alone; encrypt_type only matters for a push.
      get('msg_signature') === undefined &&
      (method === 'GET' ? get('echostr') !== undefined : get('encrypt_type') !== 'aes');
    if (!intact) {
      assert.ok(r.status === 400 || r.status === 401, `not accepted: ${r.status} ${r.body}`);
      return;
    }
    assert.equal(r.status, 200, r.body);
    if (method === 'GET') assert.equal(r.body, get('echostr'));
    else assert.equal(r.body.includes(`<Content><![CDATA[${content}]]></Content>`), true, r.body);
  });
});

test('signed pushes of every kind padded to around the 1 MiB body limit: answered up to it, 413 above, in every mode', async (t) => {
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...sampleNames()),
      mode,
      fc.integer({ min: -40, max: 40 }),
      fc.boolean(),
      async (name, m, delta, toMirror) => {
        const target = toMirror ? mirror : demo;
        const signed = signedPush(m, sampleXml(name));
        // Spaces before the closing tag: outside what the signatures cover, inside what the limit counts.
        const closed = signed.body.trimEnd();
        assert.ok(closed.endsWith('</xml>'));
        const missing = BODY_LIMIT + delta - Buffer.byteLength(closed);
        const body = `${closed.slice(0, -'</xml>'.length)}${' '.repeat(missing)}</xml>`;
        assert.equal(Buffer.byteLength(body), BODY_LIMIT + delta);
        const r = await hit(target, { path: signed.path, body, headers: { 'content-type': 'text/xml' } }, 'size');
        const want = expectPush(m, m === 'plain' ? body : sampleXml(name), { body, encrypt: signed.encrypt });
        assert.equal(r.status, want.status, `${m} ${name}, ${BODY_LIMIT + delta} bytes: ${r.body.slice(0, 100)}`);
        if (want.status === 200) checkAnswer(target, r, m, signed.nonce, want.message);
        statuses.push(r.status);
        assert.deepEqual(watch.errors, [], 'no uncaught exception or unhandled rejection');
      },
    ),
    { numRuns: 30, includeErrorInReport: true, ...replay },
  );
  // Both sides of the limit were reached (30 cases, each side about half of them).
  assert.ok(statuses.includes(413) && statuses.includes(200), `statuses: ${statuses.join(' ')}`);
  t.diagnostic(`statuses: ${statuses.join(' ')}`);
});

test('correctly signed pushes with random nonce and timestamp values: bad timestamps refused, any nonce echoed in a verifiable envelope', async (t) => {
  const nowS = () => Math.floor(Date.now() / 1000);
  const arb = fc.tuple(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 16 }),
      fc.stringMatching(/^[0-9]{1,12}$/),
      fc.constantFrom(' 12', '12 ', '\t1', 'a]]>b', '<x>', '&amp;', '\u0001', '\r\n', '\uFFFE', '+', '%'),
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: -290, max: 290 }).map((d) => String(nowS() + d)) },
      fc.integer({ min: -100_000, max: 100_000 }).map((d) => String(nowS() + d)),
      fc.constantFrom('', '0', '-1', '1e9', ' 1', '00001795000000', '9'.repeat(14), '１２３'),
      fc.string({ maxLength: 12 }),
    ),
    mode,
  );
  // Plaintext queries already signed with another body: the replay guard refuses them (401).
  const signedPlain = new Set<string>();
  await fuzz(t, SHARE.stamp, arb, async ([nonce, timestamp, m]) => {
    const content = `stamp ${uniqueId()}`;
    const p = signedPush(m, textXmlWith(content), { nonce, timestamp });
    const r = await hit(
      demo,
      { path: p.path, body: p.body },
      `${m} nonce ${JSON.stringify(nonce)} timestamp ${JSON.stringify(timestamp)}`,
    );
    if (!/^\d{1,13}$/.test(timestamp)) return assert.equal(r.status, 400, r.body);
    if (Math.abs(Number(timestamp) - nowS()) > 301) return assert.equal(r.status, 401, r.body);
    if (Math.abs(Number(timestamp) - nowS()) >= 299) return assert.ok(r.status === 200 || r.status === 401, r.body); // at the edge of maxSkew
    if (m === 'plain') {
      const signed = JSON.stringify([nonce, timestamp]);
      const seenBefore = signedPlain.has(signed);
      signedPlain.add(signed);
      if (seenBefore) return assert.match(r.body, /replayed with another body/, `${r.status} ${r.body}`);
    }
    assert.equal(r.status, 200, r.body);
    const reply = readAnswer(r, m, nonce);
    assert.equal(reply?.MsgType === 'text' && reply.Content, content);
  });
});

function textXmlWith(content: string): string {
  return (
    `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oQuery]]></FromUserName><CreateTime>${now()}</CreateTime>` +
    `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${uniqueId()}</MsgId></xml>`
  );
}

// Ciphertexts: junk, base64 of random bytes, crafted plaintexts (lengths, padding, AppID), real ones bit-flipped or truncated.
const KEY = decodeAesKey(ACCOUNT.aesKey);

function aes(plain: Buffer): string {
  const c = createCipheriv('aes-256-cbc', KEY, KEY.subarray(0, 16));
  c.setAutoPadding(false);
  return Buffer.concat([c.update(plain), c.final()]).toString('base64');
}

const crafted = fc
  .record({
    content: fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes(']]>')),
    lengthDelta: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      fc.integer({ min: -30, max: 30 }),
      fc.constantFrom(2 ** 31, 2 ** 32 - 1),
    ),
    appId: fc.oneof(
      { weight: 3, arbitrary: fc.constant(ACCOUNT.appId) },
      fc.constantFrom('', 'wxffffffffffffffff', `${ACCOUNT.appId}\u0000`, ACCOUNT.appId.toUpperCase(), 'ｗｘ'),
      fc.string({ maxLength: 20 }),
    ),
    pad: fc.oneof(
      { weight: 3, arbitrary: fc.constant('right' as const) },
      fc.constantFrom('zero', 'over', 'mixed', 'none') as fc.Arbitrary<'zero' | 'over' | 'mixed' | 'none'>,
    ),
  })
  .map(({ content, lengthDelta, appId, pad }) => {
    const msg = Buffer.from(textXmlWith(content));
    const len = Buffer.alloc(4);
    len.writeUInt32BE((msg.length + lengthDelta) >>> 0);
    let body = Buffer.concat([randomBytes(16), len, msg, Buffer.from(appId)]);
    let n = 32 - (body.length % 32);
    if (pad === 'none') n = (16 - (body.length % 16)) % 16 || 16;
    const padding = Buffer.alloc(n, pad === 'zero' ? 0 : pad === 'over' ? 33 : n);
    if (pad === 'mixed' && n > 1) padding[0] = (n + 1) % 256;
    body = Buffer.concat([body, padding]);
    return aes(body);
  });

const realEncrypt = () => CIPHER.encrypt(textXmlWith(`cipher ${uniqueId()}`));
const ciphertext = fc.oneof(
  fc.base64String({ maxLength: 300 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
  fc
    .integer({ min: 1, max: 24 })
    .chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }))
    .map((b) => Buffer.from(b).toString('base64')),
  crafted,
  fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).map((flips) => {
    const raw = Buffer.from(realEncrypt(), 'base64');
    for (const f of flips) {
      const i = (f >>> 3) % raw.length;
      raw[i] = raw[i]! ^ (1 << (f & 7));
    }
    return raw.toString('base64');
  }),
  fc.nat().map((cut) => {
    const e = realEncrypt();
    return e.slice(0, cut % e.length);
  }),
  fc.nat().map((cut) => {
    const raw = Buffer.from(realEncrypt(), 'base64');
    return raw.subarray(0, 16 * (cut % (raw.length / 16))).toString('base64');
  }),
  fc.constantFrom('', ' ', '====', 'A', 'AAAA', 'A'.repeat(43), '+/+/', '\u00ff\u00fe', 'AAAA\nAAAA'),
);

/**
 * What the protocol layer (MessageCipher, not the server's FastCipher) makes of the Encrypt value;
 * for a push the plaintext must also be a message.
 */
function expectDecrypt(encrypt: string, push: boolean): { status: 200; message: string } | { status: 400 | 401 } {
  let message: string;
  try {
    message = CIPHER.decrypt(encrypt);
  } catch (e) {
    return { status: e instanceof CryptoError && e.code === 'ValidateAppid_Error' ? 401 : 400 };
  }
  return !push || expectPlain(message).status === 200 ? { status: 200, message } : { status: 400 };
}

test('random ciphertexts in safe and compatible mode and in encrypted URL verification: the server agrees with the protocol layer', async (t) => {
  const arb = fc.tuple(
    ciphertext,
    fc.constantFrom('safe', 'compat', 'get'),
    fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
  );
  await fuzz(t, SHARE.cipher, arb, async ([enc, where, signOk]) => {
    const nonce = String(200000 + Number(++idSeq % 700000n));
    if (where === 'get') {
      const ts = now();
      const sig = signOk ? computeMsgSignature(ACCOUNT.token, ts, nonce, enc) : 'f'.repeat(40);
      const r = await hit(
        demo,
        {
          method: 'GET',
          path: `/wechat?timestamp=${ts}&nonce=${nonce}&echostr=${encodeURIComponent(enc)}&msg_signature=${sig}`,
        },
        'encrypted echostr',
      );
      if (!signOk) return assert.equal(r.status, 401, r.body);
      const want = expectDecrypt(enc, false);
      assert.equal(r.status, want.status, r.body);
      if (want.status === 200) assert.equal(r.body, want.message);
      return;
    }
    const field = /[<&\]]/.test(enc)
      ? `<Encrypt>${escapeText(enc)}</Encrypt>`
      : `<Encrypt><![CDATA[${enc}]]></Encrypt>`;
    const plainCopy =
      where === 'compat'
        ? textXmlWith('compat copy').slice('<xml>'.length, -'</xml>'.length)
        : '<ToUserName><![CDATA[gh_fuzz]]></ToUserName>';
    const body = `<xml>${plainCopy}${field}</xml>`;
    let read: string | undefined;
    try {
      read = parseEncryptedBody(body).Encrypt;
    } catch {
      read = undefined;
    }
    const query = encryptedQuery(read ?? enc, { nonce, ...(signOk ? {} : { msgSignature: '0'.repeat(40) }) });
    const r = await hit(demo, { path: `/wechat?${query}`, body }, `${where} ciphertext`);
    const want =
      read === undefined ? { status: 400 as const } : !signOk ? { status: 401 as const } : expectDecrypt(read, true);
    assert.equal(r.status, want.status, r.body);
    if (want.status === 200) readAnswer(r, where === 'safe' ? 'safe' : 'compat', nonce);
  });
});
