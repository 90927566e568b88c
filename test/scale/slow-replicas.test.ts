/**
 * Slow answers and failures across real `wxbot serve` replicas sharing a real redis-server: the
 * retry window with deliveries spread over both (the handler runs once), a replica killed
 * mid-message (its claim lapses, a retry on the other one runs the handler), and Redis stopped while
 * messages are in flight (every message is answered, none with `success` alone). WeChat's timing is
 * scaled down as in slow-replies.test.ts; the claim lease is 0.5 s instead of 3.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_WAITING_TEXT } from '../../src/bot/slow-reply.js';
import { requireRedis, startPrivateRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { push, replyText, textXml } from '../server/client.js';
import { playWechat } from './deliveries.js';
import { COUNTING_BOT, startReplica, type Replica } from './helpers.js';

const TOKEN = 'replicatoken7';
const msgId = () => String(7_000_000_000_000_000_000n + BigInt(randomInt(2 ** 47)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runsOf(countFile: string, id: string): number {
  return readFileSync(countFile, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith(` ${id}`)).length;
}

describe('two replicas + Redis', requireRedis(), () => {
  let redis: TestRedis;
  let dir: string;
  let countFile: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    redis = await startTestRedis(6);
    dir = mkdtempSync(join(tmpdir(), 'wxbot-slow-replicas-'));
    countFile = join(dir, 'runs.log');
    const args = [COUNTING_BOT, '--redis', redis.url, '--token', TOKEN, '--deadline', '1500', '--log-format', 'json'];
    const env = {
      COUNT_FILE: countFile,
      WECHAT_APP_ID: `wx${randomBytes(8).toString('hex')}`,
      WXBOT_SLOW_HOLD_MS: '2200',
      WXBOT_CLAIM_LEASE_MS: '500',
    };
    [a, b] = await Promise.all([startReplica(args, env), startReplica(args, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('deliveries on alternate replicas: held on the first, answered on the second, the handler ran once', async () => {
    const id = msgId();
    const played = await playWechat([a.url, b.url], textXml('slow 3000 两边都等', { msgId: id }), TOKEN, 2000);
    assert.equal(played.answeredBy, 2, JSON.stringify(played.deliveries));
    assert.equal(played.answer, '两边都等');
    assert.equal(runsOf(countFile, id), 1);
  });

  test('past the window: the third delivery gets the waiting text, the next message on the other replica the answer', async () => {
    const id = msgId();
    const from = 'oReplicaUser00000000000000002';
    const played = await playWechat([a.url, b.url], textXml('slow 8000 很久以后', { msgId: id, from }), TOKEN, 2000);
    assert.equal(played.answeredBy, 3, JSON.stringify(played.deliveries));
    assert.equal(played.answer, DEFAULT_WAITING_TEXT);
    await sleep(3000);
    const next = await push(b.url, textXml('quick', { from }), 'plain', { token: TOKEN });
    assert.equal(replyText(next), '很久以后');
    const third = await push(a.url, textXml('quick', { from }), 'plain', { token: TOKEN });
    assert.match(replyText(third) ?? '', /^ran on \d+: quick$/);
    assert.equal(runsOf(countFile, id), 1);
  });

  // Last in this group: it kills replica a.
  test('SIGKILL of the replica running the handler: the retry on the other replica runs it and gets the answer', async () => {
    const id = msgId();
    const xml = textXml('slow 600 换了一台', { msgId: id });
    setTimeout(() => a.child.kill('SIGKILL'), 300);
    const played = await playWechat([a.url, b.url, b.url], xml, TOKEN, 2000);
    assert.notEqual(played.deliveries[0]!.outcome, 'answered', 'replica a died before answering');
    assert.equal(played.answer, '换了一台', JSON.stringify(played.deliveries));
    assert.equal(runsOf(countFile, id), 2, 'started on a, run again on b');
  });
});

describe('Redis stopped while slow messages are in flight', requireRedis(), () => {
  let redis: TestRedis;
  let dir: string;
  let countFile: string;
  let a: Replica;
  let b: Replica;
  before(async () => {
    redis = await startPrivateRedis(0);
    dir = mkdtempSync(join(tmpdir(), 'wxbot-redis-down-'));
    countFile = join(dir, 'runs.log');
    const args = [COUNTING_BOT, '--redis', redis.url, '--token', TOKEN, '--deadline', '4000', '--log-format', 'json'];
    const env = { COUNT_FILE: countFile, WXBOT_CLAIM_LEASE_MS: '500' };
    [a, b] = await Promise.all([startReplica(args, env), startReplica(args, env)]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every message gets its answer on some delivery, none gets `success` alone', async () => {
    const messages = Array.from({ length: 6 }, (_, i) => ({ id: msgId(), text: `slow 1200 答案${i}` }));
    // Each message: delivery 1 on a, an early retry on b while a still runs it, as in the audit.
    const answers = messages.map(async ({ id, text }) => {
      const xml = textXml(text, { msgId: id });
      const first = push(a.url, xml, 'plain', { token: TOKEN });
      await sleep(150);
      const retry = push(b.url, xml, 'plain', { token: TOKEN });
      return Promise.all([first, retry]);
    });
    await sleep(250);
    await redis.stop();
    const got = await Promise.all(answers);
    got.forEach(([first, retry], i) => {
      const want = `答案${i}`;
      assert.ok(replyText(first) === want || replyText(retry) === want, `message ${i} answered`);
      for (const r of [first, retry]) assert.notEqual(r.body, 'success', `message ${i}: ${r.body}`);
    });
  });
});
