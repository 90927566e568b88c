// Acceptance: two `wxbot serve` processes sharing one redis-server run each message once and
// answer its retries (on either replica) with the same reply.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { push, replyText, textXml } from '../server/client.js';
import { COUNTING_BOT, startReplica, type Replica } from './helpers.js';

const TOKEN = 'replicatoken42';
const msgId = () => String(7_000_000_000_000_000_000n + BigInt(randomInt(2 ** 47)));

describe('two replicas sharing Redis', requireRedis(), () => {
  let redis: TestRedis;
  let dir: string;
  let countFile: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    redis = await startTestRedis(4);
    dir = mkdtempSync(join(tmpdir(), 'wxbot-scale-'));
    countFile = join(dir, 'runs.log');
    // A unique AppID keeps this test's keys apart from other tests on the same Redis.
    // One replica gets Redis from --redis, the other from REDIS_URL, as the systemd/pm2 set-ups of docs/deploy/ do.
    const args = [COUNTING_BOT, '--token', TOKEN, '--app-id', redis.prefix, '--no-history'];
    const env = { COUNT_FILE: countFile, HANDLER_MS: '600' };
    [a, b] = await Promise.all([
      startReplica([...args, '--redis', redis.url], env),
      startReplica(args, { ...env, REDIS_URL: redis.url }),
    ]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const runsOf = (id: string) =>
    readFileSync(countFile, 'utf8')
      .split('\n')
      .filter((l) => l.endsWith(` ${id}`));

  test('the same message to both replicas at once: the handler runs once, both answer the same reply', async () => {
    const id = msgId();
    const xml = textXml('concurrent', { msgId: id });
    const [ra, rb] = await Promise.all([
      push(a.url, xml, 'plain', { token: TOKEN }),
      push(b.url, xml, 'plain', { token: TOKEN }),
    ]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    assert.match(replyText(ra) ?? '', /^ran on \d+: concurrent$/);
    assert.equal(replyText(rb), replyText(ra));
    assert.equal(runsOf(id).length, 1, `handler runs: ${runsOf(id).join(', ')}`);
  });

  test('the same message one after the other: the second replica answers from the store', async () => {
    for (const [first, second] of [
      [a, b],
      [b, a],
    ] as const) {
      const id = msgId();
      const xml = textXml('sequential', { msgId: id });
      const r1 = await push(first.url, xml, 'plain', { token: TOKEN });
      const r2 = await push(second.url, xml, 'plain', { token: TOKEN });
      assert.match(replyText(r1) ?? '', /^ran on \d+: sequential$/);
      assert.equal(replyText(r2), replyText(r1));
      assert.equal(runsOf(id).length, 1);
    }
  });

  test('four deliveries spread over both replicas (WeChat retries up to 3 times): one run', async () => {
    const id = msgId();
    const xml = textXml('retried', { msgId: id });
    const replies = await Promise.all([a, b, a, b].map((r) => push(r.url, xml, 'plain', { token: TOKEN })));
    assert.equal(new Set(replies.map(replyText)).size, 1);
    assert.ok(replyText(replies[0]!));
    assert.equal(runsOf(id).length, 1);
  });

  test('events (no MsgId) are deduplicated by sender + CreateTime across replicas', async () => {
    const t = Math.floor(Date.now() / 1000) - randomInt(1000);
    const xml =
      `<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[oUserOpenId0000000000000000]]></FromUserName>` +
      `<CreateTime>${t}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>`;
    const [ra, rb] = await Promise.all([
      push(a.url, xml, 'plain', { token: TOKEN }),
      push(b.url, xml, 'plain', { token: TOKEN }),
    ]);
    assert.match(replyText(ra) ?? '', /^welcome from \d+$/);
    assert.equal(replyText(rb), replyText(ra));
    assert.equal(runsOf(`subscribe:${t}`).length, 1);
  });
});
