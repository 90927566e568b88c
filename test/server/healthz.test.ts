import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { startServer } from '../../src/server/start.js';
import { RedisStore } from '../../src/store/redis.js';
import { requireRedis, startPrivateRedis } from '../fakes/redis.js';
import { ACCOUNT, http, push, textXml } from './client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 };

test('/healthz with the memory store: 200 ok, strict or not', async (t) => {
  const s = await startServer(createBot(), opts);
  t.after(() => s.close());
  for (const q of ['', '?strict=1']) {
    const r = await http(`${s.origin}/healthz${q}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok\n');
  }
});

test(
  '/healthz with Redis: ok while it answers, degraded (200, 503 when strict) while it is down, ok again once it is back',
  requireRedis(),
  async (t) => {
    let redis = await startPrivateRedis();
    const port = Number(new URL(redis.url).port);
    const store = await RedisStore.connect(redis.url, { commandTimeoutMs: 300 });
    const bot = createBot({ store }).fallback((ctx) => `echo ${ctx.text}`);
    const s = await startServer(bot, opts);
    t.after(async () => {
      await s.close();
      await store.close();
      await redis.stop();
    });
    const health = async (q = '') => {
      const r = await http(`${s.origin}/healthz${q}`);
      return `${r.status} ${r.body}`;
    };
    assert.equal(await health(), '200 ok\n');
    assert.equal(await health('?strict=1'), '200 ok\n');

    await redis.stop();
    // Answers are cached for a second: wait for the next probe.
    await sleep(1_100);
    const down = await health();
    assert.match(down, /^200 degraded: the store \(Redis\) does not answer/);
    assert.doesNotMatch(down, new RegExp(String(port)), 'the body names no address');
    assert.match(await health('?strict=1'), /^503 degraded/);
    assert.match(await health('?strict=true'), /^503 degraded/);
    assert.match(await health('?strictly=1'), /^200 degraded/);
    // The replica itself still answers WeChat.
    const r = await push(s.url, textXml('still here', { msgId: '9100' }), 'plain');
    assert.equal(r.status, 200);
    assert.match(r.body, /echo still here/);

    redis = await startPrivateRedis(0, undefined, port);
    // The client reconnects on its own (backoff capped at 2 s); the probe notices within a second after.
    const until = Date.now() + 8_000;
    let now = await health();
    while (now !== '200 ok\n' && Date.now() < until) {
      await sleep(200);
      now = await health();
    }
    assert.equal(now, '200 ok\n');
    assert.equal(await health('?strict=1'), '200 ok\n');
  },
);

test('/healthz is asked of the store at most once a second, and a hung store does not hold it', async (t) => {
  let pings = 0;
  const store = {
    get: async () => undefined,
    set: async () => {},
    setIfAbsent: async () => true,
    delete: async () => {},
    close: async () => {},
    ping: () => {
      pings++;
      return new Promise<boolean>(() => {}); // never answers
    },
  };
  const s = await startServer(createBot({ store }), opts);
  t.after(() => s.close());
  const t0 = Date.now();
  const answers = await Promise.all(Array.from({ length: 20 }, () => http(`${s.origin}/healthz?strict=1`)));
  assert.ok(Date.now() - t0 < 2_500, `answered within the 1 s bound (took ${Date.now() - t0} ms)`);
  assert.ok(answers.every((a) => a.status === 503 && a.body.startsWith('degraded')));
  assert.equal(pings, 1);
});
