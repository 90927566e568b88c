import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { requireRedis, startTestRedis } from '../fakes/redis.js';
import { startFakeWechatApi } from '../fakes/wechat-api.js';

const CLIENT = new URL('./helpers/token-client.ts', import.meta.url).pathname;

function replica(env: Record<string, string>): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLIENT], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function next(lines: AsyncIterator<string>): Promise<string> {
  const r = await lines.next();
  if (r.done) throw new Error('replica exited early');
  return r.value;
}

test(
  '50 concurrent callers across two processes sharing Redis: one stable_token call, one token',
  requireRedis(),
  async (t) => {
    const redis = await startTestRedis(2);
    // A slow token endpoint makes every caller arrive while the first refresh is still in flight.
    const fake = await startFakeWechatApi({ appId: redis.prefix, tokenDelayMs: 300 });
    const env = {
      REDIS_URL: redis.url,
      API_BASE: fake.url,
      APP_ID: fake.appId,
      APP_SECRET: fake.appSecret,
      CALLERS: '25',
    };
    const a = replica(env);
    const b = replica(env);
    t.after(async () => {
      for (const r of [a, b]) if (r.child.exitCode === null) r.child.kill();
      await fake.stop();
      await redis.stop();
    });
    assert.equal(await next(a.lines), 'ready');
    assert.equal(await next(b.lines), 'ready');
    a.child.stdin!.write('go\n');
    b.child.stdin!.write('go\n');
    const [ta, tb] = await Promise.all([next(a.lines), next(b.lines)]);
    const tokens = [...(JSON.parse(ta) as string[]), ...(JSON.parse(tb) as string[])];
    assert.equal(tokens.length, 50);
    assert.equal(new Set(tokens).size, 1, 'every caller got the same token');
    assert.equal(tokens[0], fake.currentToken());
    assert.equal(fake.stats.stableToken, 1, 'exactly one refresh reached WeChat');
  },
);
