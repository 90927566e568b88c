// Replies from files: one upload per content and type (even under concurrent first use), reused
// until the cache expires, placeholders without an account, and a safe-mode image reply that
// WeChat (the simulator's judge) accepts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBot } from '../../src/bot/index.js';
import { startServer, type ErrorLog, type LogRecord, type RunningServer } from '../../src/server/index.js';
import { sendMessage, textMessage } from '../../src/simulate/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import {
  createMediaReplies,
  createWechatApi,
  isLocalMediaId,
  MediaValidationError,
  resolveLocalMedia,
  WechatApiError,
  type MediaLog,
} from '../../src/wechat-api/index.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { mediaFiles } from '../helpers/media-files.js';

const ACCOUNT = {
  token: 'mediatoken42',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx0123456789abcdef',
};

let fake: FakeWechatApi;
let dir: string;
let cat: string;
before(async () => {
  fake = await startFakeWechatApi({ appId: ACCOUNT.appId, uploadDelayMs: 150 });
  dir = mkdtempSync(join(tmpdir(), 'wxbot-media-'));
  cat = join(dir, 'cat.png');
  writeFileSync(cat, mediaFiles.png());
});
after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const apiFor = () => createWechatApi({ appId: fake.appId, appSecret: fake.appSecret, apiBase: fake.url });
const uploads = () => fake.media.uploads.filter((u) => !u.permanent).length;

async function pool<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await job(i);
      }
    }),
  );
  return out;
}

describe('one upload per picture', () => {
  let server: RunningServer;
  const logs: MediaLog[] = [];
  before(async () => {
    const bot = createBot().text('猫', (ctx) => ctx.replyImage({ file: cat }));
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore(), onLog: (e) => logs.push(e) });
    server = await startServer(bot, {
      host: '127.0.0.1',
      port: 0,
      token: ACCOUNT.token,
      encodingAESKey: ACCOUNT.aesKey,
      appId: ACCOUNT.appId,
      media,
    });
  });
  after(async () => {
    await server.close();
  });

  test('the same picture replied 100 times by 20 concurrent requests is uploaded exactly once', async () => {
    const before = uploads();
    const results = await pool(100, 20, () =>
      sendMessage({ url: server.url, message: textMessage('猫'), settings: { token: ACCOUNT.token, mode: 'plain' } }),
    );
    const ids = new Set(
      results.map((r) => (r.reply?.MsgType === 'image' ? r.reply.Image.MediaId : `not an image: ${r.raw}`)),
    );
    assert.equal(ids.size, 1, [...ids].join(', '));
    assert.equal(uploads() - before, 1);
    const [id] = ids;
    assert.equal(fake.media.uploads.at(-1)!.media_id, id);
    assert.deepEqual(
      results.flatMap((r) => r.problems),
      [],
    );
    assert.equal(logs.filter((l) => l.event === 'media.uploaded').length, 1);
    assert.match(logs[0]!.message, /uploaded .*cat\.png as image media in \d+ ms/);
  });

  test('an image reply from a file in safe mode is a valid passive reply (the simulator judge)', async () => {
    const r = await sendMessage({
      url: server.url,
      message: textMessage('猫'),
      settings: { token: ACCOUNT.token, mode: 'safe', aesKey: ACCOUNT.aesKey, appId: ACCOUNT.appId },
    });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.reply?.MsgType, 'image');
    assert.match(r.raw ?? '', /<Encrypt>/);
    assert.match(r.decrypted ?? '', /<MediaId><!\[CDATA\[T[\w-]+\]\]><\/MediaId>/);
    assert.equal(r.reply?.MsgType === 'image' && r.reply.Image.MediaId, fake.media.uploads.at(-1)!.media_id);
  });
});

describe('the cache', () => {
  test('after the cache expires the picture is uploaded once more; voice, video and thumb are keyed apart', async () => {
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore(), ttlMs: 300 });
    const buffer = mediaFiles.png(3000);
    const n = uploads();
    const first = await media.mediaIdFor('image', { buffer });
    assert.equal(await media.mediaIdFor('image', { buffer }), first);
    assert.equal(uploads() - n, 1);
    await new Promise((r) => setTimeout(r, 350));
    const again = await Promise.all([media.mediaIdFor('image', { buffer }), media.mediaIdFor('image', { buffer })]);
    assert.equal(uploads() - n, 2, 'one re-upload after the expiry');
    assert.notEqual(again[0], first);
    assert.equal(again[0], again[1]);
    const jpeg = mediaFiles.jpeg();
    const asImage = await media.mediaIdFor('image', { buffer: jpeg });
    const asThumb = await media.mediaIdFor('thumb', { buffer: jpeg });
    assert.notEqual(asImage, asThumb);
    assert.equal(fake.media.uploads.at(-1)!.type, 'thumb');
  });

  test('a changed file is new content; an unchanged one is not read for a new upload', async () => {
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore() });
    const file = join(dir, 'changing.png');
    writeFileSync(file, mediaFiles.png(2000));
    const a = await media.mediaIdFor('image', { file });
    assert.equal(await media.mediaIdFor('image', { file }), a);
    writeFileSync(file, mediaFiles.png(2500));
    const b = await media.mediaIdFor('image', { file });
    assert.notEqual(a, b);
  });

  test('an oversize or wrong-format file is refused before any request', async () => {
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore() });
    const big = join(dir, 'big.png');
    writeFileSync(big, mediaFiles.png(10 * 1024 * 1024 + 1));
    const calls = fake.calls.length;
    await assert.rejects(media.mediaIdFor('image', { file: big }), MediaValidationError);
    await assert.rejects(media.mediaIdFor('voice', { file: cat }), /cat\.png is PNG; voice media must be amr\/mp3/);
    await assert.rejects(
      media.mediaIdFor('image', { file: join(dir, 'missing.png') }),
      /cannot read .*missing\.png: no such file/,
    );
    await assert.rejects(media.mediaIdFor('image', {}), /exactly one of file, url or buffer/);
    assert.equal(fake.calls.length, calls);
  });

  test('a file that cannot be read is said to be a local problem, with the absolute path a relative one became', async () => {
    const media = createMediaReplies();
    const missing = join(dir, 'missing.png');
    const given = relative(process.cwd(), missing);
    assert.ok(!isAbsolute(given));
    await assert.rejects(media.mediaIdFor('image', { file: given }), (err) => {
      assert.ok(err instanceof WechatApiError);
      assert.equal(err.code, 'MEDIA_INVALID');
      assert.equal(
        err.message,
        `cannot read the local file ${given}: no such file at ${missing} (a relative path starts from the working directory); nothing was sent to WeChat`,
      );
      return true;
    });
    await assert.rejects(
      media.mediaIdFor('image', { file: dir }),
      new RegExp(`^WechatApiError: cannot read the local file ${dir}: it is a directory; nothing was sent to WeChat$`),
    );
  });

  test('a WeChat refusal reaches the handler with its meaning, and the next reply tries again', async () => {
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore() });
    const buffer = mediaFiles.png(4000);
    fake.failNext('/cgi-bin/media/upload', 45009);
    await assert.rejects(media.mediaIdFor('image', { buffer }), (err) => {
      assert.ok(err instanceof WechatApiError);
      assert.equal(err.errcode, 45009);
      assert.match(err.message, /daily API quota reached/);
      return true;
    });
    assert.ok(await media.mediaIdFor('image', { buffer }));
  });

  test('a URL is downloaded, checked and uploaded like a file', async () => {
    const media = createMediaReplies({ api: apiFor(), store: new MemoryStore() });
    const ticket = (await apiFor().call('/cgi-bin/qrcode/create', {
      body: { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'url-source' } } },
    })) as { ticket: string };
    const url = `${fake.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket.ticket)}`;
    const id = await media.mediaIdFor('image', { url });
    assert.equal(fake.media.uploads.at(-1)!.media_id, id);
    assert.equal(fake.media.uploads.at(-1)!.filename, 'showqrcode.png');
    await assert.rejects(media.mediaIdFor('image', { url: `${fake.url}/nope` }), /cannot download|no format/);
  });
});

describe('local development: no AppSecret', () => {
  test('a placeholder media_id, nothing uploaded, the log says so; the inspector can resolve it', async () => {
    const logs: MediaLog[] = [];
    const placeholderDir = join(dir, '.wxbot', 'media');
    const media = createMediaReplies({ placeholderDir, onLog: (e) => logs.push(e) });
    assert.equal(media.uploads, false);
    const calls = fake.calls.length;
    const id = await media.mediaIdFor('image', { file: cat });
    assert.ok(isLocalMediaId(id), id);
    assert.equal(await media.mediaIdFor('image', { file: cat }), id);
    assert.equal(fake.calls.length, calls);
    assert.equal(logs.length, 1, 'said once');
    assert.equal(logs[0]!.event, 'media.placeholder');
    assert.match(logs[0]!.message, /cat\.png was not uploaded \(no WECHAT_APP_SECRET: local development\)/);
    const local = await resolveLocalMedia(id);
    assert.equal(local?.contentType, 'image/png');
    assert.deepEqual(local?.bytes, readFileSync(cat));
    assert.equal(local?.file, cat);
    // Another process finds it in the placeholder directory.
    const copy = join(placeholderDir, `${id}.png`);
    assert.ok(existsSync(copy));
    const other = `LOCAL_image_${'ab'.repeat(20)}`;
    writeFileSync(join(placeholderDir, `${other}.png`), mediaFiles.png());
    assert.equal((await resolveLocalMedia(other, placeholderDir))?.contentType, 'image/png');
    assert.equal(await resolveLocalMedia(other), undefined, 'not made here and no directory given');
    assert.equal(await resolveLocalMedia('T123'), undefined);
    // Limits still apply: what WeChat would refuse is refused in development too.
    await assert.rejects(media.mediaIdFor('thumb', { file: cat }), /thumb media must be jpg/);
  });

  test('a bot without media set up says how to set it up', async () => {
    const bot = createBot().text('猫', (ctx) => ctx.replyImage({ file: cat }));
    await assert.rejects(bot.handle(textMessage('猫')), /needs media uploads: pass media: createMediaReplies/);
  });

  test('video with its thumb and music with its thumb', async () => {
    const media = createMediaReplies({});
    const bot = createBot()
      .text('v', (ctx) =>
        ctx.replyVideo({ buffer: mediaFiles.mp4(), title: '片', thumb: { buffer: mediaFiles.jpeg() } }),
      )
      .text('m', (ctx) =>
        ctx.replyMusic({ Title: '歌', MusicUrl: 'https://example.com/a.mp3', thumb: { buffer: mediaFiles.jpeg() } }),
      )
      .text('s', (ctx) => ctx.replyVoice({ buffer: mediaFiles.amr() }));
    const v = await bot.handle(textMessage('v'), { media });
    assert.ok(v?.MsgType === 'video' && isLocalMediaId(v.Video.MediaId) && isLocalMediaId(v.Video.ThumbMediaId ?? ''));
    assert.equal(v?.MsgType === 'video' && v.Video.Title, '片');
    const m = await bot.handle(textMessage('m'), { media });
    assert.ok(m?.MsgType === 'music' && m.Music.ThumbMediaId.startsWith('LOCAL_thumb_'));
    const s = await bot.handle(textMessage('s'), { media });
    assert.ok(s?.MsgType === 'voice' && s.Voice.MediaId.startsWith('LOCAL_voice_'));
  });
});

describe('a slow upload is a slow handler', () => {
  test('past the deadline WeChat gets success, and the image goes through the late-reply path once uploaded', async () => {
    const slow = await startFakeWechatApi({ appId: ACCOUNT.appId, uploadDelayMs: 700 });
    const late: { type: string; mediaId?: string }[] = [];
    const bot = createBot().text('猫', (ctx) => ctx.replyImage({ buffer: mediaFiles.png(5000) }));
    const media = createMediaReplies({
      api: createWechatApi({ appId: slow.appId, appSecret: slow.appSecret, apiBase: slow.url }),
      store: new MemoryStore(),
    });
    const server = await startServer(bot, {
      host: '127.0.0.1',
      port: 0,
      token: ACCOUNT.token,
      deadlineMs: 300,
      media,
      onLateReply: (_m, reply) => {
        late.push({ type: reply.MsgType, mediaId: reply.MsgType === 'image' ? reply.Image.MediaId : undefined });
      },
    });
    try {
      const r = await sendMessage({
        url: server.url,
        message: textMessage('猫'),
        settings: { token: ACCOUNT.token, mode: 'plain' },
      });
      assert.equal(r.ack, 'success');
      assert.ok(r.ms < 1000, `answered in ${r.ms} ms`);
      for (let i = 0; i < 100 && late.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      assert.deepEqual(late, [{ type: 'image', mediaId: slow.media.uploads[0]!.media_id }]);
    } finally {
      await server.close();
      await slow.stop();
    }
  });
});

describe('a media reply nobody awaited', () => {
  test('its failure is reported once, the server survives, and the next message is answered', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    const nope = join(dir, 'nope.png');
    const bot = createBot()
      .text('x', (ctx) => {
        void ctx.replyImage({ file: nope });
        return 'text instead';
      })
      .text('y', () => 'still alive')
      .text('awaited', async (ctx) => {
        await ctx.replyImage({ file: nope });
      })
      .text('caught', (ctx) => ctx.replyImage({ file: nope }).catch(() => '没有这张图'));
    const logs: LogRecord[] = [];
    const server = await startServer(bot, {
      host: '127.0.0.1',
      port: 0,
      token: ACCOUNT.token,
      media: createMediaReplies({}),
      onLog: (r) => logs.push(r),
    });
    const send = (text: string) =>
      sendMessage({ url: server.url, message: textMessage(text), settings: { token: ACCOUNT.token, mode: 'plain' } });
    const errors = () => logs.filter((l): l is ErrorLog => l.type === 'error');
    try {
      const x = await send('x');
      assert.equal(x.reply?.MsgType === 'text' && x.reply.Content, 'text instead');
      for (let i = 0; i < 100 && errors().length === 0; i++) await new Promise((res) => setTimeout(res, 10));
      assert.equal(errors().length, 1);
      assert.match(errors()[0]!.error.message, /cannot read .*nope\.png: no such file/);
      const y = await send('y');
      assert.equal(y.reply?.MsgType === 'text' && y.reply.Content, 'still alive');
      // Awaited, it is the handler's error: `success`, and reported once (by the request, not twice).
      logs.length = 0;
      assert.equal((await send('awaited')).ack, 'success');
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(errors().length, 1);
      assert.match(errors()[0]!.error.message, /nope\.png/);
      // Caught by the handler: not reported at all.
      logs.length = 0;
      const caught = await send('caught');
      assert.equal(caught.reply?.MsgType === 'text' && caught.reply.Content, '没有这张图');
      await new Promise((res) => setTimeout(res, 50));
      assert.equal(errors().length, 0);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await server.close();
    }
  });

  test('bot.handle: the context reports it; awaited, bot.catch sees it once and reportError not at all', async () => {
    const reported: unknown[] = [];
    const bot = createBot()
      .text('x', (ctx) => {
        void ctx.replyVoice({ buffer: mediaFiles.amr() });
        void ctx.replyVideo({ buffer: mediaFiles.mp4() });
        void ctx.replyMusic({ Title: 't', thumb: { buffer: mediaFiles.jpeg() } });
        return 'text';
      })
      .text('awaited', async (ctx) => {
        await ctx.replyImage({ file: cat });
      });
    // Without media set up every one of them fails: three reports, nothing unhandled.
    const r = await bot.handle(textMessage('x'), { reportError: (e) => reported.push(e) });
    assert.equal(r?.MsgType === 'text' && r.Content, 'text');
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(reported.length, 3);
    assert.ok(reported.every((e) => (e as { code?: string }).code === 'MEDIA_NOT_CONFIGURED'));
    reported.length = 0;
    const seen: unknown[] = [];
    bot.catch((err) => {
      seen.push(err);
      return '图片暂时发不了';
    });
    const a = await bot.handle(textMessage('awaited'), { reportError: (e) => reported.push(e) });
    assert.equal(a?.MsgType === 'text' && a.Content, '图片暂时发不了');
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(seen.length, 1);
    assert.equal(reported.length, 0);
  });
});
