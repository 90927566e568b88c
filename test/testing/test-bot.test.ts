import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Bot, createBot } from '../../src/bot/bot.js';
import { locationMessage } from '../../src/simulate/messages.js';
import { testBot } from '../../src/testing/test-bot.js';
import type { MediaReplies } from '../../src/wechat-api/media-cache.js';
import { mediaFiles } from '../helpers/media-files.js';
import { scaffoldBot } from './scaffold-bot.js';

test('testBot: send, event, click and message through the real handler, with WeChat’s verdict', async () => {
  for (const mode of ['plain', 'safe'] as const) {
    const t = testBot(await scaffoldBot(), { mode });
    const hi = await t.send('你好');
    assert.deepEqual(
      [hi.type, hi.text, hi.ok],
      ['text', '你好！我是你的公众号机器人。发送「帮助」看看我能做什么。', true],
    );
    if (mode === 'safe') assert.match(hi.raw!, /^<xml>\s*<Encrypt>/, 'the reply went out encrypted');
    assert.match((await t.event('subscribe')).text!, /感谢关注/);
    const about = await t.click('ABOUT');
    assert.deepEqual([about.type, about.title], ['news', '关于这个机器人']);
    assert.match((await t.event('image', 'https://example.com/a.jpg')).text!, /^收到一张图片/);
    assert.equal((await t.event('scan', 42)).text, '嗯？我听不太懂');
    const here = await t.message((u) => locationMessage(39.9, 116.4, { label: '天安门' }, u));
    assert.equal(here.text, '你在 天安门（39.9, 116.4）');
    await t.close();
  }
});

test('testBot keeps the session across calls, per user; the fake clock expires it', async () => {
  const bot = createBot()
    .text('+1', async (ctx) =>
      String((await ctx.session.update((s) => ({ n: ((s?.n as number | undefined) ?? 0) + 1 }))).n),
    )
    .event('unsubscribe', () => undefined);
  const t = testBot(bot, { clock: Date.parse('2030-01-01T00:00:00Z') });
  assert.equal((await t.send('+1')).text, '1');
  assert.equal((await t.send('+1')).text, '2');
  assert.equal((await t.as('oSomeoneElse000000000000001').send('+1')).text, '1');
  const gone = await t.event('unsubscribe');
  assert.deepEqual([gone.type, gone.reply, gone.ok], ['success', null, true]);
  t.advance('25h');
  assert.equal((await t.send('+1')).text, '1', 'kept 24 h after the last write');
  assert.equal(t.clock?.now(), Date.parse('2030-01-02T01:00:00Z'));
  assert.ok(new Date().getFullYear() < 2030, 'Date is real again between calls');
  assert.throws(() => testBot(bot).advance('1h'), /needs a fake clock/);
  await t.close();
});

test('testBot.event takes each argument as one word, options included; time passes through advance()', async () => {
  const bot = createBot()
    .event('CLICK', (ctx) => `key ${(ctx.message as { EventKey?: string }).EventKey}`)
    .on('location', (ctx) => `at ${(ctx.message as { Label?: string }).Label}`)
    .on('image', (ctx) => `media ${(ctx.message as { MediaId?: string }).MediaId}`);
  const t = testBot(bot);
  assert.equal((await t.event('click', 'MY KEY')).text, 'key MY KEY');
  assert.equal((await t.event('location', 23.1, 113.3, '广州 塔')).text, 'at 广州 塔');
  assert.equal((await t.event('image', 'https://e.com/a.jpg', '--media-id', 'M1')).text, 'media M1');
  assert.throws(() => t.event('wait', '1h'), /use advance\(\) to let time pass/);
  assert.throws(() => t.event('click'), /\[click\] needs KEY/);
  await t.close();
});

test('testBot reports what WeChat would reject', async () => {
  // The bot refuses such a value however a handler sets it (BAD_REPLY); a bot from another copy of
  // wxbot (an older one, without that check) still sends it, and the judge catches it.
  const older = { handle: async () => ({ MsgType: 'image', Image: { MediaId: '' } }) } as unknown as Bot;
  const r = await testBot(older).send('空');
  assert.equal(r.ok, false);
  assert.match(r.problems.join('\n'), /image reply without <Image><MediaId>/);
});

test('testBot: a reply from a file gets a local placeholder media_id, as wxbot serve makes without an AppSecret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-testbot-media-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cat = join(dir, 'cat.png');
  await writeFile(cat, mediaFiles.png());
  const bot = createBot()
    .text('猫', (ctx) => ctx.replyImage({ file: cat }))
    .text('狗', (ctx) => ctx.replyImage({ file: join(dir, 'dog.png') }));
  const tb = testBot(bot, { mode: 'safe' });
  const r = await tb.send('猫');
  assert.equal(r.type, 'image');
  assert.ok(r.ok, r.problems.join('\n'));
  assert.match(r.reply?.MsgType === 'image' ? r.reply.Image.MediaId : '', /^LOCAL_image_[0-9a-f]{40}$/);
  assert.equal(r.error, undefined);
  // Without a .catch, the handler's error is what says why the answer is `success`.
  const missing = await tb.send('狗');
  assert.equal(missing.type, 'success');
  assert.match(missing.error ?? '', /^WechatApiError MEDIA_INVALID: .*dog\.png.*no such file/);
  await tb.close();
});

test('testBot takes its own media (e.g. uploads to a fake API)', async () => {
  const asked: string[] = [];
  const media: MediaReplies = {
    uploads: true,
    mediaIdFor: async (type, source) => {
      asked.push(`${type} ${source.file}`);
      return 'MEDIA_FROM_MY_CACHE';
    },
  };
  const bot = createBot().text('猫', (ctx) => ctx.replyImage({ file: './cat.png' }));
  const r = await testBot(bot, { media }).send('猫');
  assert.deepEqual([r.type, r.reply?.MsgType === 'image' && r.reply.Image.MediaId], ['image', 'MEDIA_FROM_MY_CACHE']);
  assert.deepEqual(asked, ['image ./cat.png']);
});
