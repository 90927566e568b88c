import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { dedupeId } from '../../src/bot/dedupe.js';
import { createDispatcher } from '../../src/bot/dispatch.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import type { ReplyBody } from '../../src/protocol/replies.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Store } from '../../src/store/store.js';
import { sampleXml } from '../helpers/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sample = (name: string) => parseMessage(sampleXml(name));
let seq = 1;
const text = (Content: string): WechatMessage => ({ ...sample('text'), Content, MsgId: `9${seq++}` }) as WechatMessage;

function countingBot(delayMs = 0) {
  const calls = { n: 0 };
  const bot = createBot().fallback(async (ctx) => {
    calls.n++;
    if (delayMs) await sleep(delayMs);
    return `reply ${ctx.text}`;
  });
  return { bot, calls };
}

test('dedupe ids: MsgId for messages, FromUserName+CreateTime+Event for events', () => {
  assert.equal(dedupeId(sample('text')), 'm:24212345678901234567');
  assert.equal(dedupeId(sample('event-subscribe')), 'e:oUserOpenId0000000000000000:1700000100:subscribe');
});

test('concurrent retries wait for the first delivery and get the same reply; the handler runs once', async () => {
  const { bot, calls } = countingBot(80);
  const d = createDispatcher(bot, { store: new MemoryStore() });
  const m = text('hi');
  const results = await Promise.all([d.dispatch(m), d.dispatch(m), d.dispatch(m), d.dispatch(m)]);
  assert.equal(calls.n, 1);
  for (const r of results) assert.deepEqual(r.reply, { MsgType: 'text', Content: 'reply hi' });
  assert.deepEqual(
    results.map((r) => r.dedupe),
    [false, true, true, true],
  );
});

test('a retry after completion gets the stored reply without running the handler', async () => {
  const { bot, calls } = countingBot();
  const d = createDispatcher(bot, { store: new MemoryStore() });
  const m = text('again');
  const first = await d.dispatch(m);
  const second = await d.dispatch(m);
  assert.equal(calls.n, 1);
  assert.deepEqual(second.reply, first.reply);
  assert.equal(second.dedupe, true);
});

test('"no reply" is remembered too', async () => {
  let n = 0;
  const bot = createBot().fallback(() => {
    n++;
  });
  const d = createDispatcher(bot, { store: new MemoryStore() });
  const m = sample('event-unsubscribe');
  assert.equal((await d.dispatch(m)).reply, undefined);
  const again = await d.dispatch(m);
  assert.equal(again.reply, undefined);
  assert.equal(again.dedupe, true);
  assert.equal(n, 1);
});

test('two dispatchers sharing one store (two replicas) run the handler once, concurrently and sequentially', async () => {
  const store = new MemoryStore();
  const a = countingBot(60);
  const b = countingBot(60);
  const da = createDispatcher(a.bot, { store, appId: 'wxA' });
  const db = createDispatcher(b.bot, { store, appId: 'wxA' });
  const m = text('shared');
  const [ra, rb] = await Promise.all([da.dispatch(m), db.dispatch(m)]);
  assert.equal(a.calls.n + b.calls.n, 1);
  assert.deepEqual(ra.reply, rb.reply);
  assert.deepEqual(ra.reply, { MsgType: 'text', Content: 'reply shared' });
  const later = await db.dispatch(m);
  assert.deepEqual(later.reply, ra.reply);
  assert.equal(a.calls.n + b.calls.n, 1);
  // Other AppIDs are other accounts: same MsgId, separate keys.
  const dc = createDispatcher(b.bot, { store, appId: 'wxC' });
  await dc.dispatch(m);
  assert.equal(a.calls.n + b.calls.n, 2);
});

test('on an in-process store: a synchronous bot writes only its outcome, an asynchronous one holds the key while it runs', async () => {
  const store = new MemoryStore();
  let syncCalls = 0;
  const syncBot = createBot().fallback((ctx) => {
    syncCalls++;
    // Nothing was written for the key while the bot runs synchronously.
    assert.equal(store.getNow(`wxbot:wxS:dedupe:${dedupeId(ctx.message)}`), undefined);
    return `sync ${ctx.text}`;
  });
  const d1 = createDispatcher(syncBot, { store, appId: 'wxS' });
  const d2 = createDispatcher(syncBot, { store, appId: 'wxS' });
  const m = text('s');
  const key = `wxbot:wxS:dedupe:${dedupeId(m)}`;
  const first = d1.dispatchNow(m);
  assert.ok(!(first instanceof Promise), 'a synchronous bot answers without a promise');
  assert.deepEqual(first.reply, { MsgType: 'text', Content: 'sync s' });
  assert.match(store.getNow(key)!, /"Content":"sync s"/);
  // A retry finds the outcome in the store and is answered without a promise.
  const retry = d1.dispatchNow(m);
  assert.ok(!(retry instanceof Promise), 'a retry of an answered message is answered at once');
  assert.equal(retry.dedupe, true);
  assert.deepEqual(retry.reply, first.reply);
  // The other dispatcher on the same store finds the outcome: the handler ran once.
  const again = await d2.dispatch(m);
  assert.equal(again.dedupe, true);
  assert.deepEqual(again.reply, first.reply);
  assert.equal(syncCalls, 1);

  const slow = countingBot(60);
  const da = createDispatcher(slow.bot, { store, appId: 'wxS' });
  const db = createDispatcher(slow.bot, { store, appId: 'wxS' });
  const m2 = text('a');
  const running = da.dispatch(m2);
  assert.equal(store.getNow(`wxbot:wxS:dedupe:${dedupeId(m2)}`), 'pending');
  const [ra, rb] = await Promise.all([running, db.dispatch(m2)]);
  assert.equal(slow.calls.n, 1);
  assert.deepEqual(rb.reply, ra.reply);
  assert.equal(rb.dedupe, true);
});

test('no delivery stays pending once answered, on an in-process store or a remote one', async () => {
  const local = new MemoryStore();
  // The same store seen only through the Store interface, as a Redis store is.
  const remote: Store = {
    get: (k) => local.get(k),
    set: (k, v, t) => local.set(k, v, t),
    setIfAbsent: (k, v, t) => local.setIfAbsent(k, v, t),
    delete: (k) => local.delete(k),
    close: async () => {},
  };
  const syncBot = createBot().fallback((ctx) => `ok ${ctx.text}`);
  for (const store of [local, remote]) {
    for (const bot of [syncBot, countingBot(5).bot]) {
      const d = createDispatcher(bot, { store, appId: `wx${seq++}` });
      const m = text('p');
      const running = d.dispatch(m);
      const retry = d.dispatch(m);
      const [a, b] = await Promise.all([running, retry]);
      assert.deepEqual(b.reply, a.reply);
      assert.equal(b.dedupe, true);
      assert.equal(d.pending, 0);
    }
  }
});

test('past the deadline: success now, the late reply goes to onLateReply, retries do not repeat it', async () => {
  const late: { message: WechatMessage; reply: ReplyBody }[] = [];
  const { bot, calls } = countingBot(500);
  const d = createDispatcher(bot, {
    store: new MemoryStore(),
    deadlineMs: 40,
    onLateReply: (message, reply) => void late.push({ message, reply }),
  });
  const m = text('slow');
  const t0 = Date.now();
  const r = await d.dispatch(m);
  assert.ok(Date.now() - t0 < 400, 'answered at the deadline, not when the handler finished');
  assert.deepEqual(r, { reply: undefined, dedupe: false, late: true });
  assert.equal(late.length, 0);
  await d.idle();
  assert.equal(late.length, 1);
  assert.deepEqual(late[0]!.reply, { MsgType: 'text', Content: 'reply slow' });
  assert.equal(late[0]!.message, m);
  const retry = await d.dispatch(m);
  assert.equal(retry.reply, undefined);
  assert.equal(calls.n, 1);
});

test('without a late-reply hook the handler signal is aborted at the deadline', async () => {
  let aborted: unknown;
  const bot = createBot().fallback(async (ctx) => {
    await new Promise((r) => ctx.signal.addEventListener('abort', r));
    aborted = ctx.signal.reason;
    return 'too late';
  });
  const d = createDispatcher(bot, { store: new MemoryStore(), deadlineMs: 20 });
  const r = await d.dispatch(text('x'));
  assert.equal(r.late, true);
  await d.idle();
  assert.equal((aborted as { code?: string }).code, 'DEADLINE');
});

test('a handler error is returned for logging and the message answers success', async () => {
  const bot = createBot().fallback(() => {
    throw new Error('bug');
  });
  const d = createDispatcher(bot, { store: new MemoryStore() });
  const r = await d.dispatch(text('x'));
  assert.equal(r.reply, undefined);
  assert.equal((r.error as Error).message, 'bug');
});

test('a failing store does not drop the message: the handler still answers', async () => {
  const broken: Store = {
    get: async () => {
      throw new Error('store down');
    },
    set: async () => {
      throw new Error('store down');
    },
    setIfAbsent: async () => {
      throw new Error('store down');
    },
    delete: async () => {},
    close: async () => {},
  };
  const errors: unknown[] = [];
  const { bot } = countingBot();
  const d = createDispatcher(bot, { store: broken, onError: (e) => errors.push(e) });
  const r = await d.dispatch(text('still'));
  assert.deepEqual(r.reply, { MsgType: 'text', Content: 'reply still' });
  assert.ok(errors.length >= 1);
});

test('a retry on another replica whose first delivery went late answers success quickly', async () => {
  const store = new MemoryStore();
  const slow = countingBot(1200);
  const fast = countingBot();
  const owner = createDispatcher(slow.bot, { store, deadlineMs: 30, onLateReply: () => {} });
  const other = createDispatcher(fast.bot, { store, deadlineMs: 1000 });
  const m = text('late');
  const first = await owner.dispatch(m);
  assert.equal(first.late, true);
  const t0 = Date.now();
  const retry = await other.dispatch(m);
  assert.ok(Date.now() - t0 < 900, 'did not wait for the slow handler');
  assert.equal(retry.reply, undefined);
  assert.equal(retry.dedupe, true);
  assert.equal(fast.calls.n, 0);
  await owner.idle();
});
