// Acceptance: a handler slower than the deadline → `success` within the deadline, then the reply
// reaches the user through the customer-service API (protocol.md §5.4, §6.3) — exactly once, even
// when WeChat's retry lands on the other replica.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { push, replyText, textXml } from '../server/client.js';
import { playWechat } from './deliveries.js';
import { COUNTING_BOT, startReplica, type Replica, until } from './helpers.js';

const TOKEN = 'latetoken42';
const OPENID = 'oUserOpenId0000000000000000';
const msgId = () => String(8_000_000_000_000_000_000n + BigInt(randomInt(2 ** 47)));

describe('late replies through the customer-service API', requireRedis(), () => {
  let redis: TestRedis;
  let fake: FakeWechatApi;
  let dir: string;
  let countFile: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    redis = await startTestRedis(5);
    fake = await startFakeWechatApi({ appId: redis.prefix });
    dir = mkdtempSync(join(tmpdir(), 'wxbot-late-'));
    countFile = join(dir, 'runs.log');
    const args = [COUNTING_BOT, '--redis', redis.url, '--token', TOKEN, '--deadline', '400', '--log-format', 'json'];
    const env = {
      COUNT_FILE: countFile,
      WECHAT_APP_ID: fake.appId,
      WECHAT_APP_SECRET: fake.appSecret,
      WECHAT_API_BASE: fake.url,
      WXBOT_SLOW_HOLD_MS: '1100',
    };
    [a, b] = await Promise.all([startReplica(args, env), startReplica(args, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await fake?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('success within the deadline, then one customer-service message with the reply, even with a retry on the other replica', async () => {
    const id = msgId();
    const xml = textXml('slow 1500 答案来了', { msgId: id });
    const started = Date.now();
    const first = await push(a.url, xml, 'plain', { token: TOKEN });
    const elapsed = Date.now() - started;
    assert.equal(first.status, 200);
    assert.equal(first.body, 'success');
    assert.ok(elapsed < 5000, `answered after ${elapsed} ms: WeChat gives up at 5 s`);
    assert.equal(fake.sent.length, 0, 'nothing sent before the handler finished');

    // WeChat's retry, landing on the other replica: it must not run the handler nor send again.
    const retry = await push(b.url, xml, 'plain', { token: TOKEN });
    assert.equal(retry.body, 'success');
    // Had the retry run the handler again (1.5 s), its send would come up to 1.5 s after the first one.
    const watchUntil = Date.now() + 1500 + 1000;

    const sent = await until('the customer-service message', () => fake.sent[0]);
    assert.deepEqual(sent, { touser: OPENID, msgtype: 'text', text: { content: '答案来了' } });
    const call = fake.calls.find((c) => c.path === '/cgi-bin/message/custom/send');
    assert.equal(call?.method, 'POST');
    assert.equal(call?.query.access_token, fake.currentToken());
    await new Promise((r) => setTimeout(r, Math.max(0, watchUntil - Date.now())));
    assert.equal(fake.sent.length, 1, 'sent once, watched until a second run would have sent');
    const runs = readFileSync(countFile, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith(` ${id}`));
    assert.equal(runs.length, 1, 'handler ran once');
    assert.match(a.stderr() + b.stderr(), /late text reply to oUse…0000/);
  });

  test('WeChat refusing the late reply (48001) is logged with the errcode, and the server carries on', async () => {
    fake.failNext('/cgi-bin/message/custom/send', 48001);
    const n = fake.calls.length;
    const r = await push(a.url, textXml('slow 800 refused', { msgId: msgId() }), 'plain', { token: TOKEN });
    assert.equal(r.body, 'success');
    const line = await until('the log line', () =>
      a
        .stdout()
        .split('\n')
        .find((l) => l.includes('"LateReply"') && l.includes('48001')),
    );
    const rec = JSON.parse(line) as { type: string; error: { code: string; message: string }; openId: string };
    assert.equal(rec.type, 'error');
    assert.equal(rec.error.code, 'refused 48001');
    assert.ok(!line.includes(OPENID), 'OpenID masked');
    assert.ok(fake.calls.slice(n).some((c) => c.path === '/cgi-bin/message/custom/send'));
    // The answer is not lost: it is the user's pending answer, handed out on their next message.
    await until('the pending answer', () =>
      a
        .stdout()
        .split('\n')
        .find((l) => l.includes('"pending.stored"')),
    );
    const next = await push(a.url, textXml('fast', { msgId: msgId() }), 'plain', { token: TOKEN });
    assert.equal(replyText(next), 'refused');
    const after = await push(a.url, textXml('fast', { msgId: msgId() }), 'plain', { token: TOKEN });
    assert.match(after.body, /ran on/);
  });

  test('after 48001 slow messages use the retry window, on every replica', async () => {
    // Replica b learns of the switch through Redis when one of its messages goes late.
    // (Or it already looked on its own: then the warm-up itself is held and its connection closed.)
    await push(b.url, textXml('slow 500 warm-up', { msgId: msgId() }), 'plain', { token: TOKEN }).catch(() => {});
    await new Promise((r) => setTimeout(r, 1500));
    const sent = fake.sent.length;
    const played = await playWechat(
      [b.url, a.url],
      textXml('slow 1500 held then answered', { msgId: msgId() }),
      TOKEN,
      1000,
    );
    // Held (not `success`), then answered on a later delivery: the second, or the third on a slow machine.
    assert.equal(played.deliveries[0]!.outcome, 'abandoned');
    assert.ok(played.answeredBy! >= 2, JSON.stringify(played.deliveries));
    assert.equal(played.answer, 'held then answered');
    assert.equal(fake.sent.length, sent, 'nothing went through the customer-service API');
  });
});
