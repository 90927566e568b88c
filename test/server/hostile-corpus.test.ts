// The named hostile corpus of issue 8, one test each, against the real server: createHandler on
// node:http (default limits) and startServer with small timeouts for the slow-client cases. After
// every test the server must still answer signed messages in every mode, and nothing may have
// escaped as an uncaught exception or unhandled rejection.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { parseEnvelope } from '../../src/protocol/envelope.js';
import { cdata, parseXml } from '../../src/protocol/xml.js';
import { computeMsgSignature, computeSignature } from '../../src/protocol/signature.js';
import { ACCOUNT, nextNonce, now, textXml, type HttpResult, type Mode } from './client.js';
import {
  CIPHER,
  assertDocumented,
  assertStillAnswers,
  encryptBytes,
  encryptedQuery,
  listen,
  listenStarted,
  readAnswer,
  send,
  signedPush,
  watchProcess,
  type Target,
} from './fuzz-support.js';

const MODES: Mode[] = ['plain', 'compat', 'safe'];
const echoBot = () => createBot().fallback((ctx) => ctx.text);
const SLOW = { headersTimeoutMs: 1000, bodyTimeoutMs: 1000, requestTimeoutMs: 3000 };
// Generous: the server must cut a slow client at its timeout plus Node's check interval, not wait for it.
const CUT_WITHIN_MS = 6000;

let target: Target;
let slow: Target;
let watch: ReturnType<typeof watchProcess>;

before(async () => {
  watch = watchProcess();
  target = await listen(echoBot());
  slow = await listenStarted(echoBot(), SLOW);
});

after(async () => {
  await target.close();
  await slow.close();
  watch.dispose();
});

afterEach(async () => {
  await assertStillAnswers(target);
  await assertStillAnswers(slow);
  assert.deepEqual(watch.errors, [], 'no uncaught exception or unhandled rejection');
  for (const t of [target, slow]) {
    assert.deepEqual(
      t.logs.filter((l) => l.type === 'request' && l.status >= 500),
      [],
      'no 5xx',
    );
  }
});

/** A signed push of `xml` in `mode`. */
async function pushXml(t: Target, mode: Mode, xml: string): Promise<HttpResult & { nonce: string }> {
  const p = signedPush(mode, xml);
  const r = await send(t, { path: p.path, body: p.body, headers: { 'content-type': 'text/xml' } });
  assertDocumented(r, `${mode} push`);
  return { ...r, nonce: p.nonce };
}

/** A text message whose Content is `content`, encoded as WeChat would (CDATA, "]]>" split). */
function textWith(content: string): string {
  return textXml('PLACEHOLDER').replace('<![CDATA[PLACEHOLDER]]>', cdata(content));
}

/** The plaintext reply XML of a 200 (decrypted in compatible/safe mode). */
function replyXmlOf(r: HttpResult, mode: Mode): string {
  return mode === 'plain' ? r.body : CIPHER.decrypt(parseEnvelope(r.body).Encrypt);
}

interface Raw {
  /** Everything the server sent (latin1). */
  data: string;
  /** The server closed the connection (rather than our wait running out). */
  closed: boolean;
  ms: number;
}

/**
 * Writes `parts` on a raw socket, `gapMs` apart, stopping once the server answers or closes; collects
 * the answer until the server closes or `waitMs` passes. `end` half-closes after the last part.
 * (Stopping matters: bytes the server never reads turn its close into a reset, which can destroy
 * the answer before we read it.)
 */
function raw(
  port: number,
  parts: (string | Buffer)[],
  o: { gapMs?: number; end?: boolean; waitMs?: number; holdMs?: number } = {},
): Promise<Raw> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let next: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(next);
      clearTimeout(wait);
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closed, ms: Date.now() - t0 });
    };
    const wait = setTimeout(() => {
      s.destroy();
      done();
    }, o.waitMs ?? CUT_WITHIN_MS);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(next);
    });
    s.on('error', () => {}); // EPIPE/ECONNRESET once the server has cut us off: 'close' follows
    s.on('close', () => {
      closed = true;
      done();
    });
    let i = 0;
    const write = () => {
      if (s.destroyed || chunks.length > 0) return;
      if (i < parts.length) {
        s.write(parts[i++]!);
        // With holdMs, the rest waits for an answer to the first part (e.g. a 413 from the headers alone).
        next = setTimeout(write, i === 1 && o.holdMs ? o.holdMs : (o.gapMs ?? 0));
      } else if (o.end) s.end();
    };
    s.on('connect', write);
  });
}

const postHead = (query: string, headers: string) => `POST /wechat?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}`;

test('XXE: an external entity (SYSTEM file:///etc/passwd) is refused with 400 in every mode and the file never leaks', async () => {
  const secret = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0]! : 'root:x:0:0';
  const body = textXml('X').replace('<![CDATA[X]]>', '&xxe;');
  const docs = [
    `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${body}`,
    `<!DOCTYPE xml [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>${body}`,
    `<!DOCTYPE xml SYSTEM "file:///etc/passwd">${body}`,
    `<!doctype xml [<!entity xxe SYSTEM "file:///etc/passwd">]>${body}`,
  ];
  for (const mode of MODES) {
    for (const doc of docs) {
      const r = await pushXml(target, mode, doc);
      assert.equal(r.status, 400, `${mode}: ${doc}`);
      assert.ok(!r.body.includes(secret) && !r.body.includes('root:'), 'the file never appears in the answer');
    }
  }
  assert.ok(!JSON.stringify(target.logs).includes(secret), 'nor in the log');
  // A DOCTYPE inside the user's text is text: echoed verbatim, nothing expanded.
  const quoted = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;';
  const r = await pushXml(target, 'safe', textWith(quoted));
  assert.equal((readAnswer(r, 'safe', r.nonce) as { Content: string }).Content, quoted);
});

test('billion laughs: nested entity declarations are refused with 400 without expanding (memory stays flat)', async () => {
  let dtd = '<!ENTITY lol0 "lol">';
  for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
  const doc = `<?xml version="1.0"?><!DOCTYPE lolz [${dtd}]>${textXml('X').replace('<![CDATA[X]]>', '&lol9;')}`;
  const rss = process.memoryUsage().rss;
  for (const mode of MODES) {
    const r = await pushXml(target, mode, doc);
    assert.equal(r.status, 400, mode);
    assert.match(r.body, /XML_FORBIDDEN/);
  }
  // 10^9 "lol"s would be gigabytes; nothing near that is ever allocated.
  assert.ok(process.memoryUsage().rss - rss < 64 * 1024 * 1024, 'no expansion');
  // Without a DTD only the five predefined entities exist: 100 000 of them decode linearly.
  const many = textXml('X').replace('<![CDATA[X]]>', '&amp;'.repeat(100_000));
  const r = await pushXml(target, 'plain', many);
  assert.equal(r.status, 200);
  assert.equal((readAnswer(r, 'plain', r.nonce) as { Content: string }).Content, '&'.repeat(100_000));
});

test('__proto__ / constructor / prototype tags are refused with 400 anywhere in the document and pollute nothing', async () => {
  const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();
  const polluting = [
    '<__proto__><polluted>yes</polluted></__proto__>',
    '<constructor><prototype><polluted>yes</polluted></prototype></constructor>',
    '<prototype><polluted>yes</polluted></prototype>',
    '<ScanCodeInfo><__proto__><polluted>yes</polluted></__proto__></ScanCodeInfo>',
    '< __proto__><polluted>yes</polluted></__proto__>',
  ];
  for (const mode of MODES) {
    for (const extra of polluting) {
      const r = await pushXml(target, mode, textXml('proto').replace('</xml>', `${extra}</xml>`));
      assert.equal(r.status, 400, `${mode}: ${extra}`);
    }
  }
  // Names of other Object.prototype members are data: the message is answered normally.
  const benign = textXml('benign').replace(
    '</xml>',
    '<toString>a</toString><valueOf>b</valueOf><hasOwnProperty>c</hasOwnProperty><isPrototypeOf>d</isPrototypeOf></xml>',
  );
  for (const mode of MODES) {
    const r = await pushXml(target, mode, benign);
    assert.equal((readAnswer(r, mode, r.nonce) as { Content: string }).Content, 'benign', mode);
  }
  // In the query string they are unknown parameters, ignored.
  const p = signedPush('plain', textXml('query proto'));
  const r = await send(target, {
    path: `${p.path}&__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x`,
    body: p.body,
  });
  assert.equal((readAnswer(r, 'plain', p.nonce) as { Content: string }).Content, 'query proto');
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames);
  assert.equal(typeof Object.prototype.toString, 'function');
});

test('CDATA breakout in Content (]]></Content><MsgType>…) is echoed back and parses to the exact same string, in every mode', async () => {
  const attacks = [
    'x]]></Content><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://evil.example/]]></PicUrl><Content><![CDATA[y',
    ']]>',
    ']]>]]>',
    'a]]]]><![CDATA[>b',
    '</Content></xml><xml><Content>',
    ']]><!--',
  ];
  for (const mode of MODES) {
    for (const content of attacks) {
      const r = await pushXml(target, mode, textWith(content));
      assert.equal(r.status, 200, `${mode}: ${r.body}`);
      const reply = readAnswer(r, mode, r.nonce);
      assert.equal(reply?.MsgType, 'text');
      assert.equal((reply as { Content: string }).Content, content, `${mode}: exact round trip`);
      const node = parseXml(replyXmlOf(r, mode));
      assert.equal(node.MsgType, 'text', 'one MsgType, not an injected second one');
      assert.equal(node.PicUrl, undefined, 'no injected element');
      assert.equal(node.Content, content);
    }
  }
});

test('a 2 MiB body gets 413 (declared, chunked, or inside a valid message) and the connection is closed', async () => {
  const size = 2 * 1024 * 1024;
  const q = signedPush('plain', '').path.split('?')[1]!;
  // Declared: refused from the headers alone, before any of the body is read.
  const declared = await raw(target.port, [postHead(q, `Content-Length: ${size}\r\n\r\n`)]);
  assert.match(declared.data, /^HTTP\/1\.1 413 /);
  assert.match(declared.data, /connection: close/i);
  assert.ok(declared.closed);
  // Chunked: counted while streaming, cut at the limit.
  const chunk = 'a'.repeat(64 * 1024);
  const chunks = Array.from({ length: size / chunk.length }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  const chunked = await raw(target.port, [postHead(q, 'Transfer-Encoding: chunked\r\n\r\n'), ...chunks, '0\r\n\r\n'], {
    gapMs: 2,
  });
  assert.match(chunked.data, /^HTTP\/1\.1 413 /);
  assert.ok(chunked.closed);
  // A real message with 2 MiB of Content, through the keep-alive client.
  for (const mode of ['plain', 'safe'] as const) {
    const p = signedPush(mode, textXml('A'.repeat(size)));
    const r = await raw(
      target.port,
      [postHead(p.path.split('?')[1]!, `Content-Length: ${Buffer.byteLength(p.body)}\r\n\r\n`), p.body],
      { holdMs: 3000 },
    );
    assert.match(r.data, /^HTTP\/1\.1 413 /, mode);
  }
});

test('a truncated body with a large Content-Length: 408 after the body timeout, or closed, and the server keeps answering', async () => {
  const q = signedPush('plain', '').path.split('?')[1]!;
  const head = postHead(q, 'Content-Length: 100000\r\n\r\n');
  // The client stalls: the body timeout answers 408 and closes.
  const stalled = await raw(slow.port, [head, '<xml><ToUserName>']);
  assert.match(stalled.data, /^HTTP\/1\.1 408 /);
  assert.ok(stalled.closed, 'the server closed the connection');
  // The client half-closes mid-body: the server gives up on the request and closes.
  const ended = await raw(slow.port, [head, '<xml><ToUserName>'], { end: true });
  assert.ok(ended.closed);
  assert.ok(ended.data === '' || /^HTTP\/1\.1 (400|408) /.test(ended.data), ended.data);
  // Same on the plain createHandler server (no startServer timeouts): its own body timeout still applies.
  const plainServer = await raw(target.port, [head, '<xml>'], { end: true });
  assert.ok(plainServer.closed);
  assert.ok(plainServer.data === '' || /^HTTP\/1\.1 (400|408) /.test(plainServer.data), plainServer.data);
});

/** Runs slow clients while fast ones are served; returns the slow results and whether the fast ones finished first. */
async function whileSlow(slowClients: Promise<Raw>[]): Promise<{ results: Raw[]; servedMeanwhile: boolean }> {
  let open = slowClients.length;
  const tracked = slowClients.map((p) =>
    p.then((r) => {
      open--;
      return r;
    }),
  );
  await assertStillAnswers(slow);
  for (let i = 0; i < 5; i++) {
    const r = await pushXml(slow, 'plain', textXml(`meanwhile ${i}`));
    assert.equal((readAnswer(r, 'plain', r.nonce) as { Content: string }).Content, `meanwhile ${i}`);
  }
  const servedMeanwhile = open === slowClients.length;
  return { results: await Promise.all(tracked), servedMeanwhile };
}

test('slow headers (slowloris): each dripping connection is cut at the headers timeout while other clients are served', async () => {
  const drip = [
    'POST /wechat HTTP/1.1\r\n',
    'Host: 127.0.0.1\r\n',
    ...Array.from({ length: 200 }, (_, i) => `X-Drip-${i}: y\r\n`),
  ];
  const { results, servedMeanwhile } = await whileSlow(
    Array.from({ length: 20 }, () => raw(slow.port, drip, { gapMs: 50 })),
  );
  assert.ok(servedMeanwhile, 'signed messages were answered while 20 slow clients were connected');
  for (const r of results) {
    assert.ok(r.closed, `cut by the server within ${CUT_WITHIN_MS} ms`);
    assert.ok(r.data === '' || /^HTTP\/1\.1 408 /.test(r.data), r.data);
  }
});

test('slow body (slowloris): a body dripped a byte at a time gets 408 at the body timeout while other clients are served', async () => {
  const q = signedPush('plain', '').path.split('?')[1]!;
  const body = textXml('never finished');
  const parts = [postHead(q, `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`), ...body.split('')];
  const { results, servedMeanwhile } = await whileSlow(
    Array.from({ length: 20 }, () => raw(slow.port, parts, { gapMs: 50 })),
  );
  assert.ok(servedMeanwhile, 'signed messages were answered while 20 slow bodies were arriving');
  for (const r of results) {
    assert.ok(r.closed, `cut by the server within ${CUT_WITHIN_MS} ms`);
    assert.match(r.data, /^HTTP\/1\.1 408 /);
  }
});

test('non-UTF-8 bytes in Content (GBK, latin1, invalid sequences) are read as UTF-8 with U+FFFD and answered, in every mode', async () => {
  const samples: [string, Buffer][] = [
    ['GBK 你好', Buffer.from([0xc4, 0xe3, 0xba, 0xc3])],
    ['latin1 café', Buffer.from([0x63, 0x61, 0x66, 0xe9])],
    ['invalid FF FE', Buffer.from([0xff, 0xfe])],
    ['overlong C0 AF', Buffer.from([0xc0, 0xaf])],
    ['lone continuation', Buffer.from([0x61, 0x80, 0x62])],
    ['truncated sequence', Buffer.from([0xe4, 0xbd])],
    ['CESU surrogate', Buffer.from([0xed, 0xa0, 0x80])],
  ];
  for (const [name, bytes] of samples) {
    // Documented behaviour: the body is UTF-8; what is not decodes to U+FFFD, as Buffer#toString does.
    const expected = bytes.toString('utf8');
    assert.ok(expected.includes('\uFFFD'), name);
    for (const mode of MODES) {
      const [head, tail] = textXml('SPLIT').split('SPLIT') as [string, string]; // a fresh MsgId each (no dedupe)
      const doc = Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]);
      const nonce = nextNonce();
      let path: string;
      let body: Buffer | string;
      if (mode === 'plain') {
        // The raw bytes on the wire.
        path = signedPush('plain', '', { nonce }).path;
        body = doc;
      } else {
        // The bytes inside the ciphertext (and, in compatible mode, in the plain copy too).
        const enc = encryptBytes(doc);
        path = `/wechat?${encryptedQuery(enc, { nonce })}`;
        body =
          mode === 'safe'
            ? `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`
            : Buffer.concat([
                Buffer.from(head),
                bytes,
                Buffer.from(tail.replace('</xml>', `<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`)),
              ]);
      }
      const r = await send(target, { path, body });
      assert.equal((readAnswer(r, mode, nonce) as { Content: string }).Content, expected, `${mode} ${name}`);
    }
  }
  // Invalid UTF-8 percent-escaped in a signed query parameter is a malformed request.
  const q = signedPush('plain', '').path.replace(/nonce=\d+/, 'nonce=%C4%E3');
  const r = await send(target, { path: q, body: textXml('x') });
  assert.equal(r.status, 400);
  assert.match(r.body, /malformed query parameter nonce/);
  // Raw non-ASCII bytes in the request line: a documented status either way, never a crash.
  const rawUrl = await raw(target.port, [
    Buffer.concat([
      Buffer.from('GET /wechat?echostr='),
      Buffer.from([0xff, 0xc4, 0xe3]),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]),
  ]);
  assert.match(rawUrl.data, /^HTTP\/1\.1 (400|401) /);
});

test('invalid base64 in Encrypt gets 400 (safe, compatible and encrypted URL verification)', async () => {
  for (const bad of ['not*base64', 'YWJj!', '====', '-_-_', 'AAAA AAAA', '中文', 'abc']) {
    for (const mode of ['safe', 'compat'] as const) {
      const copy = mode === 'compat' ? textXml('copy').slice(5, -6) : '<ToUserName><![CDATA[gh]]></ToUserName>';
      const r = await send(target, {
        path: `/wechat?${encryptedQuery(bad)}`,
        body: `<xml>${copy}<Encrypt><![CDATA[${bad}]]></Encrypt></xml>`,
      });
      assert.equal(r.status, 400, `${mode} ${bad}: ${r.body}`);
      assert.match(r.body, /cannot decrypt: (DecodeBase64_Error|IllegalBuffer)/);
    }
    const ts = now();
    const nonce = nextNonce();
    const get = await send(target, {
      method: 'GET',
      path: `/wechat?timestamp=${ts}&nonce=${nonce}&echostr=${encodeURIComponent(bad)}&msg_signature=${computeMsgSignature(ACCOUNT.token, ts, nonce, bad)}`,
    });
    assert.equal(get.status, 400, `GET ${bad}`);
  }
});

test('bad PKCS#7 padding in Encrypt gets 400 IllegalBuffer', async () => {
  const msg = Buffer.from(textXml('padding'));
  const n = 32 - ((20 + msg.length + ACCOUNT.appId.length) % 32);
  const mixed = Buffer.alloc(n, n);
  mixed[0] = n === 1 ? 2 : n - 1;
  const pads: [string, Buffer][] = [
    ['pad byte 0', Buffer.alloc(n, 0)],
    ['pad byte 33 (> block)', Buffer.alloc(n + 32, 33)],
    ['pad bytes not all equal', mixed],
    ['pad claims more than present', Buffer.concat([Buffer.alloc(n + 15, 1), Buffer.from([200])])],
  ];
  for (const [name, pad] of pads) {
    const enc = encryptBytes(msg, { pad });
    const r = await send(target, {
      path: `/wechat?${encryptedQuery(enc)}`,
      body: `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    });
    assert.equal(r.status, 400, name);
    assert.match(r.body, /cannot decrypt: IllegalBuffer/, name);
  }
  // The same message with correct padding is answered: only the padding was wrong.
  const good = encryptBytes(msg);
  const nonce = nextNonce();
  const ok = await send(target, {
    path: `/wechat?${encryptedQuery(good, { nonce })}`,
    body: `<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[${good}]]></Encrypt></xml>`,
  });
  assert.equal((readAnswer(ok, 'safe', nonce) as { Content: string }).Content, 'padding');
});

test('a wrong AppID inside Encrypt gets 401 (safe, compatible and encrypted URL verification)', async () => {
  for (const appId of [
    'wxffffffffffffffff',
    '',
    `${ACCOUNT.appId}0`,
    ACCOUNT.appId.slice(0, -1),
    ACCOUNT.appId.toUpperCase(),
    `${ACCOUNT.appId}\u0000`,
  ]) {
    const enc = encryptBytes(Buffer.from(textXml('foreign')), { appId });
    for (const mode of ['safe', 'compat'] as const) {
      const copy = mode === 'compat' ? textXml('copy').slice(5, -6) : '<ToUserName><![CDATA[gh]]></ToUserName>';
      const r = await send(target, {
        path: `/wechat?${encryptedQuery(enc)}`,
        body: `<xml>${copy}<Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
      });
      assert.equal(r.status, 401, `${mode} ${JSON.stringify(appId)}`);
      assert.match(r.body, /AppID/);
    }
    const echo = encryptBytes(Buffer.from('echo-1234'), { appId });
    const ts = now();
    const nonce = nextNonce();
    const get = await send(target, {
      method: 'GET',
      path: `/wechat?timestamp=${ts}&nonce=${nonce}&echostr=${encodeURIComponent(echo)}&msg_signature=${computeMsgSignature(ACCOUNT.token, ts, nonce, echo)}`,
    });
    assert.equal(get.status, 401, `GET ${JSON.stringify(appId)}`);
    assert.notEqual(get.body, 'echo-1234');
  }
});

test('a replayed request with an old timestamp gets 401 (captured and replayed later; signed an hour ago or ahead)', async (t) => {
  // A captured request replayed after the server's window passed (maxSkew 1 s here, 300 s by default).
  const strict = await listen(echoBot(), { maxSkew: 1 });
  t.after(() => strict.close());
  const captured = MODES.map((mode) => ({ mode, p: signedPush(mode, textXml(`replay ${mode}`)) }));
  for (const { mode, p } of captured) {
    const first = await send(strict, { path: p.path, body: p.body });
    assert.equal((readAnswer(first, mode, p.nonce) as { Content: string }).Content, `replay ${mode}`);
  }
  await new Promise((r) => setTimeout(r, 2100));
  for (const { mode, p } of captured) {
    const r = await send(strict, { path: p.path, body: p.body });
    assert.equal(r.status, 401, `${mode} replay`);
    assert.match(r.body, /timestamp/);
  }
  // Correctly signed an hour ago or an hour ahead, on the default server: 401, the message not handled.
  for (const ts of [String(Number(now()) - 3600), String(Number(now()) + 3600)]) {
    for (const mode of MODES) {
      const p = signedPush(mode, textXml('stale'), { timestamp: ts });
      const r = await send(target, { path: p.path, body: p.body });
      assert.equal(r.status, 401, `${mode} ${ts}`);
    }
    const nonce = nextNonce();
    const get = await send(target, {
      method: 'GET',
      path: `/wechat?signature=${computeSignature(ACCOUNT.token, ts, nonce)}&timestamp=${ts}&nonce=${nonce}&echostr=stale`,
    });
    assert.equal(get.status, 401);
    assert.notEqual(get.body, 'stale');
  }
});

test('PUT and DELETE get 405 with Allow: GET, POST, and their unread body is not taken for the next request', async () => {
  const q = signedPush('plain', '').path.split('?')[1]!;
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const r = await send(target, { method, path: `/wechat?${q}`, body: textXml('not allowed') });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, POST');
  }
  // Pipelined on one connection: a PUT whose body looks like a request, then a real push.
  for (const method of ['PUT', 'DELETE']) {
    const smuggled = `POST /wechat?${q} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`;
    const p = signedPush('plain', textXml(`after ${method}`));
    const pipelined = await raw(target.port, [
      `${method} /wechat?${q} HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}` +
        `POST ${p.path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(p.body)}\r\nConnection: close\r\n\r\n${p.body}`,
    ]);
    const statuses = [...pipelined.data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['405', '200'], `${method}: exactly two answers, the smuggled request never handled`);
    assert.ok(pipelined.data.includes(`<Content><![CDATA[after ${method}]]></Content>`));
  }
});

test('a query with repeated parameters (signature=a&signature=b, …) gets 400, never accepted by accident', async () => {
  const ts = now();
  const nonce = nextNonce();
  const sig = computeSignature(ACCOUNT.token, ts, nonce);
  const base = `timestamp=${ts}&nonce=${nonce}`;
  const queries = [
    `signature=a&signature=b&${base}`,
    `signature=${sig}&signature=b&${base}`,
    `signature=b&signature=${sig}&${base}`,
    `signature=${sig}&signature=${sig}&${base}`,
    `signature=${sig}&${base}&timestamp=${ts}`,
    `signature=${sig}&${base}&nonce=${nonce}`,
    `signature=${sig}&${base}&nonce=other`,
    `signature=${sig}&${base}&openid=a&openid=b`,
    `signature=${sig}&${base}&encrypt_type=raw&encrypt_type=aes`,
  ];
  for (const q of queries) {
    const post = await send(target, { path: `/wechat?${q}`, body: textXml('repeat') });
    assert.equal(post.status, 400, `POST ${q}`);
    assert.match(post.body, /repeated query parameter/);
    const get = await send(target, { method: 'GET', path: `/wechat?${q}&echostr=e` });
    assert.equal(get.status, 400, `GET ${q}`);
  }
  assert.equal(
    (await send(target, { method: 'GET', path: `/wechat?signature=${sig}&${base}&echostr=e&echostr=f` })).status,
    400,
  );
  // msg_signature twice in safe mode, the valid one first.
  const p = signedPush('safe', textXml('repeat safe'));
  const msig = /msg_signature=([0-9a-f]{40})/.exec(p.path)![1]!;
  const r = await send(target, { path: `${p.path}&msg_signature=${msig}`, body: p.body });
  assert.equal(r.status, 400);
});

test('a 128 KB MsgId (or one with letters, or 21 digits) gets 400 in every mode, and nothing is kept for it', async () => {
  for (const mode of MODES) {
    for (const id of ['9'.repeat(128 * 1024), '12345678901234567890x', '1'.repeat(21)]) {
      const r = await pushXml(target, mode, textXml('big id', { msgId: id }));
      assert.equal(r.status, 400, `${mode} MsgId of ${id.length}`);
      assert.match(r.body, /MsgId must be a decimal number of at most 20 digits/);
    }
    const user = await pushXml(target, mode, textXml('long user', { from: 'o'.repeat(129) }));
    assert.equal(user.status, 400, `${mode} FromUserName of 129`);
    assert.match(user.body, /FromUserName is longer than 128 characters/);
  }
});

test('plaintext: the same signed query with another body gets 401; the identical retry gets the stored reply', async () => {
  const first = signedPush('plain', textXml('the signed one', { msgId: '24212345678901239999' }));
  const a = await send(target, { path: first.path, body: first.body });
  assert.equal((readAnswer(a, 'plain', first.nonce) as { Content: string }).Content, 'the signed one');
  // WeChat's retry: the same query, the same body: the reply of the first delivery.
  const retry = await send(target, { path: first.path, body: first.body });
  assert.equal((readAnswer(retry, 'plain', first.nonce) as { Content: string }).Content, 'the signed one');
  // A leaked signed URL with a body of the attacker's choosing (another sender, another text).
  for (const forged of [
    textXml('forged', { msgId: '24212345678901230000' }),
    textXml('the signed one', { msgId: '24212345678901239999', from: 'oSomeoneElse00000000000000000' }),
  ]) {
    const r = await send(target, { path: first.path, body: forged });
    assert.equal(r.status, 401);
    assert.match(r.body, /signed request replayed with another body/);
  }
  // Compatible and safe mode: the msg_signature covers the body, so another body is a bad signature.
  const safe = signedPush('safe', textXml('sealed'));
  const other = signedPush('safe', textXml('other'));
  const r = await send(target, { path: safe.path, body: other.body });
  assert.equal(r.status, 401);
  assert.match(r.body, /invalid msg_signature/);
});
