import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulateError } from '../../src/simulate/errors.js';
import { clickEvent, textMessage, unsubscribeEvent } from '../../src/simulate/messages.js';
import type { SimulateMode } from '../../src/simulate/push.js';
import { sendMessage } from '../../src/simulate/send.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { BROKEN_ACCOUNT, type BrokenServer, type Fault, useBrokenServer } from '../fakes/broken-server.js';

const { token: TOKEN, aesKey: AES, appId: APP } = BROKEN_ACCOUNT;
let server: BrokenServer;
useBrokenServer((s) => (server = s));

function send(
  fault: Fault,
  mode: SimulateMode = 'safe',
  o: { message?: WechatMessage; timeoutMs?: number; retry?: boolean } = {},
) {
  server.fault = fault;
  return sendMessage({
    url: server.url,
    message: o.message ?? textMessage('你好'),
    settings: { token: TOKEN, mode, aesKey: AES, appId: APP },
    timeoutMs: o.timeoutMs,
    retry: o.retry,
  });
}

for (const mode of ['plain', 'compat', 'safe'] as const) {
  test(`${mode}: a correct server's reply is clean and decoded`, async () => {
    const r = await send('none', mode);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.status, 200);
    assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'you said: 你好');
    assert.equal(r.decrypted !== undefined, mode !== 'plain');
    // The server saw exactly the message we built.
    assert.equal(server.received.at(-1)!.message?.FromUserName, r.reply?.ToUserName);
  });
}

const faults: [Fault, SimulateMode, 'problem' | 'warning', RegExp][] = [
  ['html-body', 'plain', 'problem', /HTML page/],
  ['json-body', 'plain', 'problem', /JSON/],
  ['status-500', 'plain', 'problem', /HTTP 500/],
  ['redirect', 'plain', 'problem', /redirect/],
  ['ids-not-swapped', 'plain', 'problem', /not swapped/],
  ['createtime-ms', 'plain', 'warning', /milliseconds/],
  ['bad-msg-signature', 'safe', 'problem', /MsgSignature does not verify/],
  ['wrong-appid', 'safe', 'problem', /AppID "wx0000000000000000"/],
  ['plaintext-reply', 'safe', 'problem', /plaintext XML reply to a safe-mode request/],
  ['plaintext-reply', 'compat', 'warning', /compatible mode accepts it/],
  ['long-text', 'plain', 'warning', /3000 bytes/],
  ['unknown-msgtype', 'plain', 'problem', /unknown reply MsgType "markdown"/],
  ['too-many-articles', 'plain', 'problem', /3 articles/],
  ['empty-content', 'safe', 'problem', /empty Content/],
  ['success-newline', 'plain', 'warning', /"success" with a trailing newline/],
];
for (const [fault, mode, kind, re] of faults) {
  test(`${fault} (${mode}) is reported as a ${kind}`, async () => {
    const r = await send(fault, mode);
    const list = kind === 'problem' ? r.problems : r.warnings;
    assert.ok(
      list.some((p) => re.test(p)),
      `${kind}s were: ${JSON.stringify(list)}`,
    );
    if (kind === 'warning') assert.deepEqual(r.problems, []);
  });
}

test('a slow server is a timeout problem', async () => {
  server.slowMs = 700;
  const r = await send('slow', 'plain', { timeoutMs: 150 });
  assert.equal(r.status, null);
  assert.equal(r.raw, null);
  assert.match(r.problems[0]!, /no answer within 0\.15 s.*re-sends the same message/);
});

test('a connection dropped without an answer is a problem', async () => {
  const r = await send('drop', 'plain');
  assert.equal(r.status, null);
  assert.match(r.problems[0]!, /closed the connection without answering/);
});

test('--retry: each delivery is the identical request on a fresh connection; the deduping answer is reported', async () => {
  server.slowMs = 600;
  const before = server.received.length;
  const r = await send('slow-first', 'safe', { timeoutMs: 200, retry: true });
  const got = server.received.slice(before);
  assert.equal(got.length, 2);
  assert.equal(got[0]!.url, got[1]!.url);
  assert.equal(got[0]!.body, got[1]!.body);
  assert.deepEqual(
    r.deliveries?.map((d) => d.outcome),
    ['timeout', 'answered'],
  );
  assert.equal(r.deliveries?.[1]?.replyType, 'text');
  assert.equal(r.answeredBy, 2);
  assert.deepEqual(r.problems, []);
  assert.match(r.warnings[0]!, /answered only on delivery 2.*dedupe by MsgId/);
});

test('--retry: a server that never answers gets 3 deliveries (WeChat gives up after the third) and one problem', async () => {
  server.slowMs = 500;
  const before = server.received.length;
  const r = await send('slow', 'plain', { timeoutMs: 100, retry: true, message: clickEvent('K') });
  assert.equal(server.received.length - before, 3);
  assert.equal(new Set(server.received.slice(before).map((x) => x.body)).size, 1);
  assert.deepEqual(
    r.deliveries?.map((d) => d.attempt),
    [1, 2, 3],
  );
  assert.equal(r.answeredBy, null);
  assert.match(r.problems[0]!, /none of the 3 deliveries was answered/);
});

test('--retry on a prompt server sends once', async () => {
  const before = server.received.length;
  const r = await send('none', 'plain', { retry: true, message: unsubscribeEvent() });
  assert.equal(server.received.length - before, 1);
  assert.equal(r.ack, 'success');
  assert.equal(r.deliveries?.length, 1);
});

test('an unreachable server throws SIMULATE_NETWORK', async () => {
  await assert.rejects(
    sendMessage({
      url: 'http://127.0.0.1:1/wechat',
      message: textMessage('x'),
      settings: { token: TOKEN, mode: 'plain' },
    }),
    (e: unknown) => e instanceof SimulateError && e.code === 'SIMULATE_NETWORK' && /ECONNREFUSED/.test(e.message),
  );
});
