// The server of held.mjs: createHandler with the retry window, a bot whose `slow …` messages never
// finish within the test (their deliveries are held) and whose other messages answer at once.
// Prints the port on stdout once listening.
import { createServer } from 'node:http';
import { createBot, createHandler } from '../../dist/index.js';

const bot = createBot()
  .text(/^slow /, () => new Promise((r) => setTimeout(() => r('late'), 600_000).unref()))
  .fallback((ctx) => ctx.text);
const listener = createHandler(bot, {
  token: process.env.WECHAT_TOKEN,
  deadlineMs: Number(process.env.HELD_DEADLINE_MS ?? 300),
  slowReplies: { strategy: 'retry-window', holdMs: 600_000, limitMs: 600_000 },
});
const server = createServer(listener);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
