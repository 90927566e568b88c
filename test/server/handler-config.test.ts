import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { SlowReplies } from '../../src/bot/slow-reply.js';
import { WxbotError } from '../../src/protocol/errors.js';
import { createHandler } from '../../src/server/handler.js';
import { startServer } from '../../src/server/start.js';
import { MemoryStore } from '../../src/store/memory.js';

const isMissingHook = (err: unknown) =>
  err instanceof WxbotError &&
  err.code === 'CONFIG' &&
  /custom-service sends late answers through onLateReply, and none is given: pass onLateReply: createLateReplySender/.test(
    err.message,
  ) &&
  /or use strategy 'retry-window'/.test(err.message);

test('slowReplies custom-service without onLateReply is refused, as `wxbot serve` refuses it without the account', async () => {
  const bot = createBot().text('x', () => 'y');
  assert.throws(() => createHandler(bot, { token: 'tok', slowReplies: { strategy: 'custom-service' } }), isMissingHook);
  const store = new MemoryStore();
  const instance = new SlowReplies(store, undefined, { strategy: 'custom-service' });
  assert.throws(() => createHandler(bot, { token: 'tok', store, slowReplies: instance }), isMissingHook);
  await assert.rejects(
    startServer(bot, { token: 'tok', host: '127.0.0.1', port: 0, slowReplies: { strategy: 'custom-service' } }),
    isMissingHook,
  );
});

test('slowReplies custom-service with onLateReply, and the other strategies without it, are accepted', () => {
  const bot = createBot();
  const onLateReply = async () => {};
  assert.equal(
    typeof createHandler(bot, { token: 'tok', slowReplies: { strategy: 'custom-service' }, onLateReply }),
    'function',
  );
  for (const strategy of ['retry-window', 'off'] as const)
    assert.equal(typeof createHandler(bot, { token: 'tok', slowReplies: { strategy } }), 'function');
});
