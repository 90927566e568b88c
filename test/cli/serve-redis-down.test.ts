/**
 * `wxbot serve --redis` with the retry window (no AppSecret) when the redis-server is stopped under
 * it: messages are still answered well within WeChat's 5 s (every store call fails at once instead
 * of waiting out its timeout), a delivery the store could not count is not called the third, and
 * the store works again once Redis is back (docs/deploy/replicas.md, docs/deploy/health-checks.md).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { requireRedis, startPrivateRedis } from '../fakes/redis.js';
import { startServe, tempCwd, wxbot } from './simulate-helpers.js';

const TOKEN = 'tok123';
const LIB = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BOT = `import { createBot } from ${JSON.stringify(LIB)};
export default createBot()
  .text('help', () => 'help text')
  .text('count', async (ctx) => {
    const s = await ctx.session.update((v) => ({ n: (v?.n ?? 0) + 1 }));
    return 'count ' + s.n;
  })
  .text('slow', async () => {
    await new Promise((r) => setTimeout(r, 5_000));
    return 'slow answer';
  });
`;

interface Simulated {
  ms: number;
  reply?: { Content?: string };
}

test(
  'Redis stopped under serve: answered within WeChat’s 5 s, an uncounted delivery says so, and Redis is used again once back',
  requireRedis(),
  async (t) => {
    let redis = await startPrivateRedis();
    const port = Number(new URL(redis.url).port);
    const cwd = tempCwd();
    writeFileSync(join(cwd, 'bot.mjs'), BOT);
    const serve = await startServe(['bot.mjs', '--redis', redis.url, '--token', TOKEN], { cwd });
    t.after(async () => {
      await serve.stop();
      await redis.stop();
    });
    const send = async (text: string): Promise<Simulated> => {
      const r = await wxbot([
        'simulate',
        'text',
        text,
        '--url',
        serve.url,
        '--token',
        TOKEN,
        '--timeout',
        '15',
        '--json',
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return JSON.parse(r.stdout) as Simulated;
    };
    const health = async () => (await fetch(new URL('/healthz', serve.url))).text();

    assert.equal((await send('count')).reply?.Content, 'count 1');
    await redis.stop();

    // A slow handler reaches the deadline while the store cannot count its delivery.
    const slow = send('slow');
    for (let i = 0; i < 3; i++) {
      const r = await send('help');
      assert.equal(r.reply?.Content, 'help text');
      // Each store call used to wait out its 2 s timeout, several in a row: 5-7 s, or no answer.
      assert.ok(r.ms < 3_000, `answered in ${r.ms} ms with Redis down`);
    }
    const s = await slow;
    assert.equal(s.reply?.Content, '正在思考，稍后发送任意消息获取回答');
    assert.ok(s.ms < 5_000, `the waiting text came in ${s.ms} ms`);
    const log = serve.log();
    assert.match(log, /"slow" → text .*\[slow: waiting text on an uncounted delivery \(the store failed\)/);
    assert.doesNotMatch(log, /on delivery 3/);
    assert.doesNotMatch(log, /Command timed out|enableOfflineQueue/);
    assert.match(log, /STORE_UNAVAILABLE: Redis redis:\/\/127\.0\.0\.1:\d+\/0: no connection; the client reconnects/);
    assert.match(await health(), /^degraded: the store \(Redis\) does not answer/);

    redis = await startPrivateRedis(0, undefined, port);
    const until = Date.now() + 10_000;
    while ((await health()) !== 'ok\n' && Date.now() < until) await sleep(200);
    assert.equal(await health(), 'ok\n');
    // A fresh redis-server: the session starts again, and is kept from one message to the next.
    assert.equal((await send('count')).reply?.Content, 'count 1');
    assert.equal((await send('count')).reply?.Content, 'count 2');
  },
);
