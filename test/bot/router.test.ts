import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chat } from '../../src/bot/chat.js';
import { createBot } from '../../src/bot/bot.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import { newsReply, type ReplyBody } from '../../src/protocol/replies.js';
import { MemoryStore } from '../../src/store/memory.js';
import { sampleXml } from '../helpers/fixtures.js';

const sample = (name: string) => parseMessage(sampleXml(name));
const text = (Content: string): WechatMessage => ({ ...sample('text'), Content }) as WechatMessage;
const contentOf = (r: ReplyBody | undefined) => (r?.MsgType === 'text' ? r.Content : r);

test('exact keyword matches the trimmed Content only', async () => {
  const bot = createBot().text('help', () => 'HELP');
  assert.equal(contentOf(await bot.handle(text('help'))), 'HELP');
  assert.equal(contentOf(await bot.handle(text('  help \n'))), 'HELP');
  assert.equal(await bot.handle(text('help me')), undefined);
  assert.equal(await bot.handle(text('HELP')), undefined);
});

test('a keyword list matches any of them', async () => {
  const bot = createBot().text(['帮助', 'help'], () => 'ok');
  assert.equal(contentOf(await bot.handle(text('帮助'))), 'ok');
  assert.equal(contentOf(await bot.handle(text('help'))), 'ok');
  assert.equal(await bot.handle(text('帮')), undefined);
});

test('a RegExp route exposes ctx.match, also for /g RegExps used repeatedly', async () => {
  // Typed: in a RegExp route ctx.match is the match, so ctx.match[1] compiles under strict.
  const bot = createBot().text(/^weather\s+(\S+)$/g, (ctx) => `W:${ctx.match[1]}`);
  assert.equal(contentOf(await bot.handle(text('weather 北京'))), 'W:北京');
  assert.equal(contentOf(await bot.handle(text('weather 上海'))), 'W:上海');
  assert.equal(await bot.handle(text('the weather')), undefined);
});

test('a predicate route (sync or async) gets the trimmed text', async () => {
  const bot = createBot()
    .text(
      (s) => s.length > 10,
      () => 'long',
    )
    .text(
      async (s) => s.startsWith('a'),
      () => 'async-a',
    );
  assert.equal(contentOf(await bot.handle(text('0123456789abc'))), 'long');
  assert.equal(contentOf(await bot.handle(text('abc'))), 'async-a');
  assert.equal(await bot.handle(text('b')), undefined);
});

test('routes by message type and event, first match wins', async () => {
  const bot = createBot()
    .on('image', (ctx) => `img ${ctx.message.PicUrl}`)
    .on(['video', 'shortvideo'], (ctx) => `vid ${ctx.message.MsgType}`)
    .on('location', (ctx) => `loc ${ctx.message.Label} ${ctx.message.Location_X}`)
    .event('subscribe', () => 'welcome')
    .event('subscribe', () => 'never reached')
    .event('kf_create_session', (ctx) => `kf ${String(ctx.message.KfAccount)}`)
    .click('V1001_TODAY_MUSIC', () => 'music')
    .click(/^MENU_(\w+)$/, (ctx) => `menu ${ctx.match[1]}`);
  assert.match(String(contentOf(await bot.handle(sample('image')))), /^img http/);
  assert.equal(contentOf(await bot.handle(sample('shortvideo'))), 'vid shortvideo');
  assert.match(String(contentOf(await bot.handle(sample('location')))), /^loc 广州市天河区 23\.13/);
  assert.equal(contentOf(await bot.handle(sample('event-subscribe'))), 'welcome');
  assert.equal(contentOf(await bot.handle(sample('event-unknown'))), 'kf test1@test');
  const click = sample('event-click');
  assert.equal(contentOf(await bot.handle({ ...click, EventKey: 'V1001_TODAY_MUSIC' } as WechatMessage)), 'music');
  assert.equal(contentOf(await bot.handle({ ...click, EventKey: 'MENU_ABOUT' } as WechatMessage)), 'menu ABOUT');
  assert.equal(await bot.handle({ ...click, EventKey: 'OTHER' } as WechatMessage), undefined);
  assert.equal(await bot.handle(sample('voice')), undefined);
});

test('event names match in any case: WeChat sends SCAN, CLICK, VIEW but subscribe, scancode_push', async () => {
  const bot = createBot()
    // Typed by the name in any case: ctx.message is the ScanEvent, with its Ticket.
    .event('scan', (ctx) => {
      const key: string = ctx.message.EventKey; // a type error if 'scan' were typed as an unknown event
      return `scan ${key} ${ctx.message.Ticket}`;
    })
    .event(['view', 'LOCATION'], (ctx) => `view ${ctx.message.Event}`)
    .event('SUBSCRIBE', () => 'welcome')
    .event('Scancode_Push', () => 'scanned')
    .event('KF_Create_Session', () => 'kf');
  assert.equal(contentOf(await bot.handle(sample('event-scan'))), 'scan 123123 TICKET');
  assert.equal(contentOf(await bot.handle(sample('event-view'))), 'view VIEW');
  assert.equal(contentOf(await bot.handle(sample('event-subscribe'))), 'welcome');
  assert.equal(contentOf(await bot.handle(sample('event-scancode_push'))), 'scanned');
  assert.equal(contentOf(await bot.handle(sample('event-unknown'))), 'kf');
  assert.equal(await bot.handle(sample('event-click')), undefined);
  const click = createBot().click('K', () => 'clicked');
  assert.equal(
    contentOf(await click.handle({ ...sample('event-click'), Event: 'click', EventKey: 'K' } as WechatMessage)),
    'clicked',
  );
});

test('fallback sees only messages no route answered, wherever it was registered', async () => {
  const seen: string[] = [];
  const bot = createBot()
    .fallback((ctx) => {
      seen.push(ctx.message.MsgType);
      return 'fallback';
    })
    .text('hi', () => 'hello');
  assert.equal(contentOf(await bot.handle(text('hi'))), 'hello');
  assert.equal(contentOf(await bot.handle(text('other'))), 'fallback');
  assert.equal(contentOf(await bot.handle(sample('unknown-type'))), 'fallback');
  assert.deepEqual(seen, ['text', 'miniprogrampage']);
});

test('a route that calls next() lets later routes answer', async () => {
  const bot = createBot()
    .text('x', async (ctx, next) => {
      ctx.state.first = true;
      await next();
    })
    .text('x', (ctx) => `second saw first=${String(ctx.state.first)}`);
  assert.equal(contentOf(await bot.handle(text('x'))), 'second saw first=true');
});

test('middleware runs in order around the routes (onion)', async () => {
  const order: string[] = [];
  const bot = createBot()
    .use(async (_ctx, next) => {
      order.push('a-in');
      await next();
      order.push('a-out');
    })
    .use(async (ctx, next) => {
      order.push('b-in');
      await next();
      order.push(`b-out:${contentOf(ctx.response)}`);
    })
    .text('go', () => {
      order.push('handler');
      return 'done';
    });
  await bot.handle(text('go'));
  assert.deepEqual(order, ['a-in', 'b-in', 'handler', 'b-out:done', 'a-out']);
});

test('middleware can short-circuit (auth) and rewrite the reply (after next)', async () => {
  const bot = createBot()
    .use(async (ctx, next) => {
      if (ctx.openId === 'blocked') return ctx.reply('denied');
      await next();
      if (ctx.response?.MsgType === 'text') ctx.reply(`${ctx.response.Content}!`);
    })
    .text('hi', () => 'hello');
  assert.equal(contentOf(await bot.handle(text('hi'))), 'hello!');
  assert.equal(contentOf(await bot.handle({ ...text('hi'), FromUserName: 'blocked' } as WechatMessage)), 'denied');
});

test('calling next() twice is an error', async () => {
  const bot = createBot()
    .use(async (_ctx, next) => {
      await next();
      await next();
    })
    .text('x', () => 'x');
  await assert.rejects(bot.handle(text('x')), (e: Error & { code?: string }) => e.code === 'NEXT_CALLED_TWICE');
});

test('handler results: string, ReplyBody, nothing; ctx helpers set and return the reply', async () => {
  const bot = createBot()
    .text('s', () => 'str')
    .text('n', () => newsReply({ Title: 'T', Url: 'https://e.x' }))
    .text('none', () => undefined)
    .text('img', (ctx) => ctx.replyImage('MEDIA'))
    .text('voice', (ctx) => {
      ctx.replyVoice('V');
    })
    .text('video', (ctx) => ctx.replyVideo('M', 'T', 'D'))
    .text('music', (ctx) => ctx.replyMusic({ Title: 'song', ThumbMediaId: 'TH' }))
    .text('kf', (ctx) => ctx.transfer('a@b'))
    .text('news', (ctx) => ctx.replyNews([{ Title: 'a' }, { Title: 'b' }]));
  assert.deepEqual(await bot.handle(text('s')), { MsgType: 'text', Content: 'str' });
  assert.equal((await bot.handle(text('n')))?.MsgType, 'news');
  assert.equal(await bot.handle(text('none')), undefined);
  assert.deepEqual(await bot.handle(text('img')), { MsgType: 'image', Image: { MediaId: 'MEDIA' } });
  assert.deepEqual(await bot.handle(text('voice')), { MsgType: 'voice', Voice: { MediaId: 'V' } });
  assert.deepEqual(await bot.handle(text('video')), {
    MsgType: 'video',
    Video: { MediaId: 'M', Title: 'T', Description: 'D' },
  });
  assert.deepEqual(await bot.handle(text('music')), { MsgType: 'music', Music: { Title: 'song', ThumbMediaId: 'TH' } });
  assert.deepEqual(await bot.handle(text('kf')), {
    MsgType: 'transfer_customer_service',
    TransInfo: { KfAccount: 'a@b' },
  });
  assert.equal((await bot.handle(text('news')))?.MsgType, 'news');
});

test('bot.catch turns a handler error into a reply; without it the error propagates', async () => {
  const failing = createBot().text('x', () => {
    throw new Error('boom');
  });
  await assert.rejects(failing.handle(text('x')), /boom/);
  failing.catch((err) => `sorry: ${(err as Error).message}`);
  assert.equal(contentOf(await failing.handle(text('x'))), 'sorry: boom');
});

test('sessions are per user, namespaced by AppID, JSON, and renewable', async () => {
  const store = new MemoryStore();
  const bot = createBot({ store }).text('count', async (ctx) => {
    const s = await ctx.session.update((v) => ({ n: ((v?.n as number | undefined) ?? 0) + 1 }));
    return `n=${s.n}`;
  });
  assert.equal(contentOf(await bot.handle(text('count'), { appId: 'wxA' })), 'n=1');
  assert.equal(contentOf(await bot.handle(text('count'), { appId: 'wxA' })), 'n=2');
  assert.equal(
    contentOf(await bot.handle({ ...text('count'), FromUserName: 'other' } as WechatMessage, { appId: 'wxA' })),
    'n=1',
  );
  assert.equal(contentOf(await bot.handle(text('count'), { appId: 'wxB' })), 'n=1');
  assert.equal(await store.get('wxbot:wxA:session:bot:oUserOpenId0000000000000000'), '{"n":2}');
  await store.close();
});

test('a session refuses values too large to be "small state"', async () => {
  const bot = createBot().text('big', async (ctx) => {
    await ctx.session.set({ blob: 'x'.repeat(70_000) });
  });
  await assert.rejects(bot.handle(text('big')), (e: Error & { code?: string }) => e.code === 'SESSION_TOO_LARGE');
});

test('chat(provider) sends the text (or voice recognition) with the user id and answers with the reply', async () => {
  const calls: { input: string; userId: string; hasSignal: boolean }[] = [];
  const provider = async (input: string, c: { userId: string; signal?: AbortSignal }) => {
    calls.push({ input, userId: c.userId, hasSignal: c.signal instanceof AbortSignal });
    return `bot: ${input}`;
  };
  const bot = createBot().fallback(chat(provider));
  assert.equal(contentOf(await bot.handle(text(' 你好 '))), 'bot: 你好');
  assert.equal(contentOf(await bot.handle(sample('voice'))), 'bot: 今天天气怎么样');
  assert.equal(await bot.handle(sample('image')), undefined);
  assert.deepEqual(calls, [
    { input: '你好', userId: 'oUserOpenId0000000000000000', hasSignal: true },
    { input: '今天天气怎么样', userId: 'oUserOpenId0000000000000000', hasSignal: true },
  ]);
});

test('chat(provider) answers an apology when the provider fails, and reports the error', async () => {
  const reported: unknown[] = [];
  const bot = createBot().fallback(
    chat(async () => {
      throw new Error('provider down');
    }),
  );
  const r = await bot.handle(text('hi'), { reportError: (e) => reported.push(e) });
  assert.equal(r?.MsgType, 'text');
  assert.match(contentOf(r) as string, /抱歉/);
  assert.equal((reported[0] as Error).message, 'provider down');
  const silent = createBot().fallback(
    chat(
      async () => {
        throw new Error('x');
      },
      { onError: null },
    ),
  );
  assert.equal(await silent.handle(text('hi')), undefined);
});

test('a route handler calling next() twice is an error too', async () => {
  const bot = createBot()
    .text('x', async (_ctx, next) => {
      await next();
      await next();
    })
    .text('x', () => 'second');
  await assert.rejects(bot.handle(text('x')), (e: Error & { code?: string }) => e.code === 'NEXT_CALLED_TWICE');
});

test('routes and middleware interleave in registration order', async () => {
  const order: string[] = [];
  const bot = createBot()
    .text('early', () => 'early route')
    .use(async (_ctx, next) => {
      order.push('mw');
      await next();
    })
    .text('late', () => 'late route');
  assert.equal(contentOf(await bot.handle(text('early'))), 'early route');
  assert.deepEqual(order, [], 'middleware registered after a matching route does not run');
  assert.equal(contentOf(await bot.handle(text('late'))), 'late route');
  assert.deepEqual(order, ['mw']);
});
