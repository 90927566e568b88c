// A "replica" for the cross-process token test: N token managers (one per caller, as if N
// processes) sharing one Redis connection. Prints "ready", waits for "go" on stdin, then calls
// getToken on all of them at once and prints the tokens as JSON.
import { createInterface } from 'node:readline';
import { RedisStore } from '../../../src/store/index.js';
import { AccessTokenManager } from '../../../src/wechat-api/index.js';

const env = process.env;
const n = Number(env.CALLERS ?? 25);
const store = await RedisStore.connect(env.REDIS_URL ?? '');
const managers = Array.from(
  { length: n },
  () =>
    new AccessTokenManager({
      appId: env.APP_ID ?? '',
      appSecret: env.APP_SECRET ?? '',
      store,
      apiBase: env.API_BASE,
      pollIntervalMs: 20,
    }),
);
process.stdout.write('ready\n');
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (line.trim() !== 'go') continue;
  const tokens = await Promise.all(managers.map((m) => m.getToken()));
  process.stdout.write(`${JSON.stringify(tokens)}\n`);
  break;
}
rl.close();
await store.close();
