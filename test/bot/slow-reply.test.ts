/**
 * The retry window and pending answers at the dispatcher, on a real clock with WeChat's timing
 * scaled down: a delivery every WINDOW ms, the deadline at 3/4 of it, held deliveries closed just
 * after the window (the same ratios as 5 s / 4.5 s / 5.5 s). Real Redis for the two-replica cases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { dedupeKey } from '../../src/bot/dedupe.js';
import { createDispatcher, type DispatchResult } from '../../src/bot/dispatch.js';
import { chooseSlowStrategy, SlowReplies, type SlowReplyOptions } from '../../src/bot/slow-reply.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import type { ReplyBody } from '../../src/protocol/replies.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import type { Store } from '../../src/store/store.js';
import { sampleXml } from '../helpers/fixtures.js';
import { requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';

const WINDOW = 400;
const DEADLINE = 300;
const HOLD = 440;
/** Done between the first delivery's hold and the second one's deadline. */
const SECOND = 570;
/** Done after the third delivery's deadline. */
const PAST = 1400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 1;
const text = (Content: string, from = 'oUserA'): WechatMessage =>
  ({
    ...parseMessage(sampleXml('text')),
    Content,
    FromUserName: from,
    MsgId: `77${Date.now()}${seq++}`,
  }) as WechatMessage;

function slowBot(delayMs: number) {
  const calls = { n: 0 };
  const bot = createBot().fallback(async (ctx) => {
    calls.n++;
    if (ctx.text !== 'quick') await sleep(delayMs);
    return `answer to ${ctx.text}`;
  });
  return { bot, calls };
}

function dispatcher(
  bot: ReturnType<typeof slowBot>['bot'],
  store: Store,
  o: Partial<SlowReplyOptions> = {},
  appId?: string,
) {
  const stored: ReplyBody[] = [];
  const slow = new SlowReplies(store, appId, { strategy: 'retry-window', holdMs: HOLD, ...o });
  const d = createDispatcher(bot, {
    store,
    appId,
    deadlineMs: DEADLINE,
    // Renewed every third of it: a process starved of CPU for a whole lease (a loaded CI machine)
    // would lose its claim and let the other replica run the handler too.
    leaseMs: 1000,
    slow,
    onPendingStored: (_m, r) => stored.push(r),
  });
  return { d, slow, stored };
}

/** WeChat's deliveries of one message: at 0, WINDOW, 2×WINDOW, each to the next dispatcher in turn. */
async function deliver(
  ds: { dispatch: (m: WechatMessage, at: number) => Promise<DispatchResult> }[],
  m: WechatMessage,
) {
  const start = Date.now();
  const results: Promise<DispatchResult>[] = [];
  for (let i = 0; i < 3; i++) {
    const wait = start + i * WINDOW - Date.now();
    if (wait > 0) await sleep(wait);
    const at = Date.now();
    results.push(ds[i % ds.length]!.dispatch(m, at));
    // A delivery WeChat gave up on does not count any more: stop once one is answered in time.
    const r = await Promise.race([results[i]!, sleep(WINDOW).then(() => undefined)]);
    if (r && !r.slow?.startsWith('held')) return { results: await Promise.all(results), answeredBy: i + 1, r };
  }
  return { results: await Promise.all(results), answeredBy: 3, r: await results[2]! };
}

test('auto picks the customer-service API with AppID + AppSecret, else the retry window', () => {
  assert.equal(chooseSlowStrategy('auto', { appId: 'wx1234567890abcdef', appSecret: 's' }), 'custom-service');
  assert.equal(chooseSlowStrategy('auto', { appId: 'wx1234567890abcdef' }), 'retry-window');
  assert.equal(chooseSlowStrategy('off', {}), 'off');
});

test('a handler slower than one delivery answers on the second: the first is held, the handler runs once', async () => {
  const { bot, calls } = slowBot(SECOND);
  const { d } = dispatcher(bot, new MemoryStore());
  const { results, answeredBy, r } = await deliver([d], text('hello'));
  assert.equal(answeredBy, 2);
  assert.deepEqual(r.reply, { MsgType: 'text', Content: 'answer to hello' });
  assert.equal(r.slow, 'answered');
  assert.equal(results[0]!.slow, 'held');
  assert.equal(results[0]!.reply, undefined);
  assert.equal(calls.n, 1);
});

test('past the window: the last delivery gets the waiting text, the next message the answer, once', async () => {
  const { bot, calls } = slowBot(PAST);
  const store = new MemoryStore();
  const { d, stored } = dispatcher(bot, store, { waitingText: '稍等' });
  const { results, answeredBy, r } = await deliver([d], text('long'));
  assert.equal(answeredBy, 3);
  assert.deepEqual(
    results.map((x) => [x.slow, x.delivery]),
    [
      ['held', 1],
      ['held', 2],
      ['waiting', 3],
    ],
  );
  assert.deepEqual(r.reply, { MsgType: 'text', Content: '稍等' });
  await d.idle();
  assert.deepEqual(stored, [{ MsgType: 'text', Content: 'answer to long' }]);
  const next = await d.dispatch(text('quick'));
  assert.deepEqual(next.reply, { MsgType: 'text', Content: 'answer to long' });
  assert.equal(next.slow, 'pending');
  const third = await d.dispatch(text('quick'));
  assert.deepEqual(third.reply, { MsgType: 'text', Content: 'answer to quick' });
  assert.equal(calls.n, 2, 'the message that fetched the pending answer did not reach the bot');
});

test('a delivery the store cannot count gets the waiting text at its deadline, its number unknown rather than "3"', async () => {
  const inner = new MemoryStore();
  // Not an in-process store (no `local`), as Redis is; counting fails as it does with Redis down.
  const failing: Store = {
    get: (k) => inner.get(k),
    set: (k, v, t) => inner.set(k, v, t),
    setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
    delete: (k) => inner.delete(k),
    increment: () => Promise.reject(new Error('no connection')),
    close: async () => {},
  };
  const { bot } = slowBot(PAST);
  const { d } = dispatcher(bot, failing, { waitingText: '稍等' });
  const t0 = Date.now();
  const r = await d.dispatch(text('uncounted'), t0);
  assert.ok(Date.now() - t0 < WINDOW, 'answered at the deadline, not held');
  assert.equal(r.slow, 'waiting');
  assert.equal(r.delivery, undefined);
  assert.deepEqual(r.reply, { MsgType: 'text', Content: '稍等' });
  d.abortAll();
});

test('with a fetch keyword only that keyword hands out the pending answer', async () => {
  const { bot } = slowBot(PAST);
  const { d } = dispatcher(bot, new MemoryStore(), { fetchKeyword: '继续' });
  await deliver([d], text('long'));
  await d.idle();
  assert.deepEqual((await d.dispatch(text('quick'))).reply, { MsgType: 'text', Content: 'answer to quick' });
  assert.deepEqual((await d.dispatch(text('继续'))).reply, { MsgType: 'text', Content: 'answer to long' });
});

test('pending answers belong to their user', async () => {
  const { bot } = slowBot(PAST);
  const { d } = dispatcher(bot, new MemoryStore());
  await deliver([d], text('long', 'oUserB'));
  await d.idle();
  assert.deepEqual((await d.dispatch(text('quick', 'oUserC'))).reply, { MsgType: 'text', Content: 'answer to quick' });
  assert.deepEqual((await d.dispatch(text('quick', 'oUserB'))).reply, { MsgType: 'text', Content: 'answer to long' });
});

test('strategy off: `success` at the deadline, nothing held, nothing pending', async () => {
  const { bot } = slowBot(DEADLINE * 2);
  const store = new MemoryStore();
  const d = createDispatcher(bot, {
    store,
    deadlineMs: DEADLINE,
    slow: new SlowReplies(store, undefined, { strategy: 'off' }),
  });
  const r = await d.dispatch(text('off'));
  assert.equal(r.reply, undefined);
  assert.equal(r.late, true);
  assert.equal(r.slow, undefined);
});

test('ctx.answerWithinMs: how long an answer can still reach the user, by strategy', async () => {
  const seen = async (o: Partial<Parameters<typeof createDispatcher>[1]>) => {
    let within: number | undefined = -1;
    const bot = createBot().fallback((ctx) => {
      within = ctx.answerWithinMs;
      return 'ok';
    });
    const store = new MemoryStore();
    await createDispatcher(bot, { store, ...o }).dispatch(text('how long'));
    return within;
  };
  const store = new MemoryStore();
  assert.equal(await seen({}), undefined);
  assert.equal(await seen({ slow: new SlowReplies(store, undefined, { strategy: 'off' }) }), undefined);
  assert.equal(await seen({ slow: new SlowReplies(store, undefined, { strategy: 'retry-window' }) }), 60_000);
  assert.equal(
    await seen({ slow: new SlowReplies(store, undefined, { strategy: 'retry-window', limitMs: 20_000 }) }),
    20_000,
  );
  assert.equal(await seen({ onLateReply: () => {}, lateLimitMs: 30_000 }), 30_000);
  assert.equal(await seen({ onLateReply: () => {} }), 60_000);
});

describe('two replicas on Redis', requireRedis(), () => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];
  before(async () => {
    redis = await startTestRedis(7);
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis?.stop();
  });
  const redisStore = async () => {
    const s = await RedisStore.connect(redis.url);
    stores.push(s);
    return s;
  };

  test('two replicas on Redis: deliveries alternate, the handler runs once, the second delivery answers', async () => {
    const { bot, calls } = slowBot(SECOND);
    const a = dispatcher(bot, await redisStore(), {}, redis.prefix);
    const b = dispatcher(bot, await redisStore(), {}, redis.prefix);
    const { results, answeredBy, r } = await deliver([a.d, b.d], text('shared'));
    assert.equal(answeredBy, 2);
    assert.deepEqual(r.reply, { MsgType: 'text', Content: 'answer to shared' });
    assert.equal(results[0]!.slow, 'held');
    assert.equal(calls.n, 1);
  });

  test('two replicas on Redis past the window: waiting text on the third delivery, pending answer on either replica', async () => {
    const { bot, calls } = slowBot(PAST);
    const a = dispatcher(bot, await redisStore(), {}, redis.prefix);
    const b = dispatcher(bot, await redisStore(), {}, redis.prefix);
    const { r, answeredBy } = await deliver([a.d, b.d], text('far', 'oUserR'));
    assert.equal(answeredBy, 3);
    assert.equal(r.slow, 'waiting');
    await a.d.idle();
    const next = await b.d.dispatch(text('quick', 'oUserR'));
    assert.deepEqual(next.reply, { MsgType: 'text', Content: 'answer to far' });
    assert.deepEqual((await a.d.dispatch(text('quick', 'oUserR'))).reply, {
      MsgType: 'text',
      Content: 'answer to quick',
    });
    assert.equal(calls.n, 2);
  });

  test('a claim whose owner died lapses with its lease: a retry on another replica runs the handler', async () => {
    const store = await redisStore();
    const m = text('orphan');
    // What a replica killed mid-message leaves behind: a pending claim nobody renews.
    await store.setIfAbsent(dedupeKey(`wxbot:${redis.prefix}:`, m), 'pending', 300);
    const { bot, calls } = slowBot(50);
    const d = createDispatcher(bot, { store, appId: redis.prefix, deadlineMs: 1000, leaseMs: 300 });
    const r = await d.dispatch(m);
    assert.deepEqual(r.reply, { MsgType: 'text', Content: 'answer to orphan' });
    assert.equal(calls.n, 1);
  });

  test('a running handler renews its lease: a retry elsewhere waits for it instead of running it again', async () => {
    // The handler outlasts the lease more than twice over: only renewals keep the claim. (Why the
    // lease is not shorter: see dispatcher() above.)
    const { bot, calls } = slowBot(1200);
    const a = createDispatcher(bot, { store: await redisStore(), appId: redis.prefix, deadlineMs: 2500, leaseMs: 500 });
    const b = createDispatcher(bot, { store: await redisStore(), appId: redis.prefix, deadlineMs: 2500, leaseMs: 500 });
    const m = text('renewed');
    const first = a.dispatch(m);
    await sleep(100);
    const r = await b.dispatch(m);
    assert.deepEqual(r.reply, { MsgType: 'text', Content: 'answer to renewed' });
    assert.equal(r.dedupe, true);
    await first;
    assert.equal(calls.n, 1);
  });

  test('a store that fails while a retry waits: the retry runs the handler rather than answer `success`', async () => {
    const inner = await redisStore();
    let broken = false;
    const flaky: Store = {
      get: (k) => (broken ? Promise.reject(new Error('connection lost')) : inner.get(k)),
      set: (k, v, t) => (broken ? Promise.reject(new Error('connection lost')) : inner.set(k, v, t)),
      setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
      delete: (k) => inner.delete(k),
      close: async () => {},
    };
    const m = text('flaky');
    await inner.setIfAbsent(dedupeKey(`wxbot:${redis.prefix}:`, m), 'pending', 10_000);
    broken = true;
    const { bot, calls } = slowBot(20);
    const d = createDispatcher(bot, { store: flaky, appId: redis.prefix, deadlineMs: 500, onError: () => {} });
    const r = await d.dispatch(m);
    assert.deepEqual(r.reply, { MsgType: 'text', Content: 'answer to flaky' });
    assert.equal(calls.n, 1);
  });
});
