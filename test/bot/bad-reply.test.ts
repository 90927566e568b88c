/**
 * A handler (or a chat provider) that returns something WeChat cannot take as a reply: the bot's
 * error path (bot.catch, then the log and `success`), never a failed render.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chat } from '../../src/bot/chat.js';
import { createBot } from '../../src/bot/bot.js';
import type { HandlerResult } from '../../src/bot/types.js';
import { WxbotError } from '../../src/protocol/errors.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseMessage } from '../../src/protocol/parse.js';
import { newsReply, type ReplyBody } from '../../src/protocol/replies.js';
import { type ChatFailure, DEFAULT_FALLBACK_TEXT, withBudget } from '../../src/providers/budget.js';
import type { ChatProvider } from '../../src/providers/provider.js';
import { sampleXml } from '../helpers/fixtures.js';

const text = (Content: string): WechatMessage => ({ ...parseMessage(sampleXml('text')), Content }) as WechatMessage;

/** Each bad value, and the words the error must use for it. */
const BAD: [string, unknown, RegExp][] = [
  ['a number', 42, /not a reply: the number 42\./],
  ['a boolean', true, /not a reply: the boolean true\./],
  ['an object without MsgType', { foo: 1 }, /not a reply: an object without MsgType \(keys: foo\)/],
  ['an empty object', {}, /not a reply: an empty object/],
  ['an array', ['a', 'b'], /not a reply: an array of 2/],
  ['a Date', new Date(), /not a reply: a Date\./],
  ['a function', () => 'x', /not a reply: a function\./],
  ['an unknown MsgType', { MsgType: 'bogus' }, /not a reply: a reply with MsgType "bogus" \(WeChat's are text, image/],
  ['an image without MediaId', { MsgType: 'image' }, /not a reply: an image reply without Image\.MediaId/],
  [
    'a voice with an empty MediaId',
    { MsgType: 'voice', Voice: { MediaId: '' } },
    /a voice reply without Voice\.MediaId/,
  ],
  ['a video without Video', { MsgType: 'video' }, /a video reply without Video\.MediaId/],
  [
    'a music reply without a thumbnail',
    { MsgType: 'music', Music: { Title: 't' } },
    /a music reply without Music\.ThumbMediaId/,
  ],
  ['a text reply without Content', { MsgType: 'text' }, /not a reply: a text reply without Content/],
  ['a text reply with a number', { MsgType: 'text', Content: 7 }, /a text reply whose Content is the number 7/],
  ['a text reply with an empty Content', { MsgType: 'text', Content: '' }, /a text reply with an empty Content/],
  ['a news reply with no articles', newsReply([]), /not a reply: a news reply with no articles/],
  ['a news reply with a null article', { MsgType: 'news', Articles: [{ Title: 'a' }, null] }, /article 2 is null/],
  [
    'a transfer without KfAccount',
    { MsgType: 'transfer_customer_service', TransInfo: {} },
    /TransInfo has no KfAccount/,
  ],
];

const isBadReply = (words: RegExp) => (err: unknown) =>
  err instanceof WxbotError &&
  err.code === 'BAD_REPLY' &&
  words.test(err.message) &&
  // What is allowed, said every time.
  /A handler returns a string \(a text reply\), a reply such as newsReply\(\.\.\.\)/.test(err.message);

for (const [what, value, words] of BAD) {
  test(`a handler returning ${what} fails like a handler that throws, saying what it returned`, async () => {
    const sync = createBot().text('x', () => value as HandlerResult);
    await assert.rejects(sync.handle(text('x')), isBadReply(words));
    const async = createBot().fallback(async () => value as HandlerResult);
    await assert.rejects(async.handle(text('y')), isBadReply(words));
    // ctx.reply() refuses it the same way.
    const viaCtx = createBot().text('x', (ctx) => {
      ctx.reply(value as ReplyBody);
    });
    await assert.rejects(viaCtx.handle(text('x')), isBadReply(words));
    // So does assigning it to ctx.response (plain JavaScript, or `as any`), sync or after an await.
    const assigned = createBot().text('x', (ctx) => {
      ctx.response = value as ReplyBody;
    });
    await assert.rejects(assigned.handle(text('x')), isBadReply(words));
    const assignedLater = createBot().fallback(async (ctx) => {
      await Promise.resolve();
      ctx.response = value as ReplyBody;
    });
    await assert.rejects(assignedLater.handle(text('y')), isBadReply(words));
  });
}

test('bot.catch sees a bad return value and can turn it into a reply', async () => {
  const seen: unknown[] = [];
  const bot = createBot()
    .text('x', () => 42 as unknown as string)
    .catch((err) => {
      seen.push(err);
      return '抱歉，出错了';
    });
  assert.deepEqual(await bot.handle(text('x')), { MsgType: 'text', Content: '抱歉，出错了' });
  assert.equal(seen.length, 1);
  assert.equal((seen[0] as WxbotError).code, 'BAD_REPLY');
  // A bot.catch that itself returns a bad value fails the message too.
  const worse = createBot()
    .text('x', () => {
      throw new Error('boom');
    })
    .catch(() => ({ MsgType: 'image' }) as ReplyBody);
  await assert.rejects(worse.handle(text('x')), isBadReply(/an image reply without Image\.MediaId/));
});

test('bot.catch sees a bad value assigned to ctx.response; middleware never sees the bad value', async () => {
  const seen: unknown[] = [];
  const after: unknown[] = [];
  const bot = createBot()
    .use(async (ctx, next) => {
      try {
        await next();
      } finally {
        after.push(ctx.response);
      }
    })
    .text('x', (ctx) => {
      ctx.response = { MsgType: 'bogus' } as unknown as ReplyBody;
    })
    .catch((err) => {
      seen.push(err);
      return '抱歉，出错了';
    });
  assert.deepEqual(await bot.handle(text('x')), { MsgType: 'text', Content: '抱歉，出错了' });
  assert.equal((seen[0] as WxbotError).code, 'BAD_REPLY');
  assert.match((seen[0] as Error).message, /a reply with MsgType "bogus"/);
  assert.deepEqual(after, [undefined], 'the bad value never became the reply');
});

test('ctx.response takes what a handler may return: a reply as is, a string as a text reply', async () => {
  const news = newsReply({ Title: 'T', Url: 'https://e.x' });
  const bot = createBot()
    .text('news', (ctx) => {
      ctx.response = news;
    })
    .text('string', (ctx) => {
      ctx.response = '你好' as unknown as ReplyBody;
    });
  assert.equal(await bot.handle(text('news')), news);
  assert.deepEqual(await bot.handle(text('string')), { MsgType: 'text', Content: '你好' });
});

test("'' means no reply (success), from a handler, ctx.reply, ctx.response and bot.catch alike", async () => {
  const bot = createBot()
    .text('sync', () => '')
    .text('async', async () => '')
    .text('cleared', (ctx) => {
      ctx.replyText('first');
      return '';
    })
    .text('ctx', (ctx) => {
      ctx.reply('');
    })
    .text('assigned', (ctx) => {
      ctx.replyText('first');
      ctx.response = '' as unknown as ReplyBody;
    })
    .text('throw', () => {
      throw new Error('x');
    })
    .catch(() => '');
  for (const k of ['sync', 'async', 'cleared', 'ctx', 'assigned', 'throw'])
    assert.equal(await bot.handle(text(k)), undefined, k);
});

test('chat(): a provider answering something that is not a reply gets the apology, and the error is reported', async () => {
  const reported: unknown[] = [];
  const bot = createBot().fallback(chat((async () => 42) as unknown as ChatProvider));
  const r = await bot.handle(text('hi'), { reportError: (e) => reported.push(e) });
  assert.equal(r?.MsgType, 'text');
  assert.match(r?.MsgType === 'text' ? r.Content : '', /抱歉/);
  assert.equal((reported[0] as WxbotError).code, 'BAD_REPLY');
  assert.match((reported[0] as Error).message, /the number 42/);
});

test('withBudget: an answer that is not a reply becomes the fallback, reported as BAD_RESPONSE', async () => {
  for (const [answer, words] of [
    [42, /mine returned the number 42, not a reply/],
    [{ foo: 1 }, /mine returned an object without MsgType \(keys: foo\), not a reply/],
    [{ MsgType: 'image' }, /mine returned an image reply without Image\.MediaId, not a reply/],
  ] as const) {
    const failures: ChatFailure[] = [];
    const p = withBudget((async () => answer) as unknown as ChatProvider, {
      name: 'mine',
      onError: (f) => failures.push(f),
    });
    assert.equal(await p('x', { userId: 'u' }), DEFAULT_FALLBACK_TEXT);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.code, 'BAD_RESPONSE');
    assert.match(failures[0]!.reason, words);
  }
  // A valid ReplyBody still goes through as is.
  const news = newsReply({ Title: 'T', Url: 'https://e.x' });
  assert.equal(await withBudget(async () => news)('x', { userId: 'u' }), news);
});
