import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SimulateError } from '../../src/simulate/errors.js';
import { judgeEcho, verifyUrl } from '../../src/simulate/verify.js';
import { BrokenServer, type Fault } from '../fakes/broken-server.js';

const TOKEN = 'tok123';
let server: BrokenServer;
before(async () => {
  server = await new BrokenServer({ token: TOKEN }).start();
});
after(() => server.close());

const check = (fault: Fault, o: { token?: string; timeoutMs?: number } = {}) => {
  server.fault = fault;
  return verifyUrl({
    url: server.url,
    token: o.token ?? TOKEN,
    echostr: '4375120948345356249',
    timeoutMs: o.timeoutMs,
  });
};

test('a correct server passes; the GET is signed like WeChat signs it', async () => {
  const r = await check('none');
  assert.equal(r.ok, true);
  assert.equal(r.status, 200);
  assert.equal(r.raw, '4375120948345356249');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.warnings, []);
  const got = new URL(server.received.at(-2)!.url, 'http://x').searchParams;
  assert.deepEqual([...got.keys()], ['signature', 'echostr', 'timestamp', 'nonce']);
});

test('wrong Token: the server answers 403 and the reason names the Token and the signature math', async () => {
  const r = await check('none', { token: 'other' });
  assert.equal(r.ok, false);
  assert.match(r.problems[0]!, /HTTP 403.*Token differs.*sort Token, timestamp, nonce/);
});

const wrapped: [Fault, RegExp][] = [
  [
    'echostr-newline',
    /echostr with a trailing newline \(\\n\).*\(print\/println\/echo add a newline: write the raw string\)$/,
  ],
  [
    'echostr-bom',
    /echostr with a leading byte order mark \(BOM\).*\(a BOM comes from a source file saved as "UTF-8 with BOM".*PHP.*save it as UTF-8 without BOM\)$/,
  ],
  ['echostr-html', /wrapped in HTML/],
  ['echostr-json', /JSON-encoded/],
  ['echostr-quotes', /wrapped in quotes/],
  ['status-500', /HTTP 500/],
  ['redirect', /HTTP 302 redirect to https:\/\/example\.com\/wechat\/: WeChat does not follow redirects/],
];
for (const [fault, re] of wrapped) {
  test(`${fault} fails verification, saying why`, async () => {
    const r = await check(fault);
    assert.equal(r.ok, false);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, re);
  });
}

test('a server that echoes without checking the signature passes, with a warning', async () => {
  const r = await check('no-signature-check');
  assert.equal(r.ok, true);
  assert.match(r.warnings[0]!, /does not check signatures/);
});

test('a slow server fails with a timeout problem', async () => {
  server.slowMs = 800;
  const r = await check('slow', { timeoutMs: 200 });
  assert.equal(r.ok, false);
  assert.equal(r.status, null);
  assert.match(r.problems[0]!, /no answer within 0\.20 s/);
});

test('an unreachable server is a network error, not a verdict', async () => {
  await assert.rejects(
    verifyUrl({ url: 'http://127.0.0.1:1/wechat', token: TOKEN }),
    (e: unknown) => e instanceof SimulateError && e.code === 'SIMULATE_NETWORK',
  );
});

test('judgeEcho: exact bytes only', () => {
  const r = (body: string, status = 200) => judgeEcho('123', { status, body, ms: 5 });
  assert.equal(r('123').ok, true);
  assert.match(r('123\r\n').problems[0]!, /CRLF.*add a newline/);
  assert.match(r(' 123').problems[0]!, /leading space.*\(something is printed before the echostr/);
  // Each cause its own advice: a BOM's is not a newline's, and both when both are there.
  assert.doesNotMatch(r('\uFEFF123').problems[0]!, /newline/);
  assert.doesNotMatch(r('123\n').problems[0]!, /BOM/);
  const both = r('\uFEFF\n123\n').problems[0]!;
  assert.match(both, /a leading byte order mark \(BOM\) and newline \(\\n\) and a trailing newline/);
  assert.match(
    both,
    /UTF-8 without BOM; something is printed before the echostr .*; print\/println\/echo add a newline/,
  );
  assert.match(r('{"echostr":"123"}').problems[0]!, /JSON object/);
  assert.match(r('').problems[0]!, /empty/);
  assert.match(r('success').problems[0]!, /like a message push/);
  assert.match(r('echo: 123!').problems[0]!, /other text around it/);
  assert.match(judgeEcho('1', { status: 200, body: '1', ms: 6000 }).problems[0]!, /after 6\.00 s/);
});
