import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import {
  imageReply,
  musicReply,
  newsReply,
  textReply,
  transferReply,
  videoReply,
  voiceReply,
} from '../../src/protocol/replies.js';
import type { Exchange } from '../../src/server/types.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { createLateReplySender, customMessageFor, type LateReplyLog } from '../../src/wechat-api/index.js';
import { freePort, requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { startFakeWechatApi, useFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';

const OPENID = 'oUserOpenId0000000000000000';
const nowSec = () => Math.floor(Date.now() / 1000);
let msgSeq = 0;

function textMessage(createTime = nowSec()): WechatMessage {
  return {
    ToUserName: 'gh_123456789abc',
    FromUserName: OPENID,
    CreateTime: createTime,
    MsgType: 'text',
    Content: 'hi',
    MsgId: String(6054768590064713728n + BigInt(++msgSeq)),
  };
}
function event(Event: string, createTime = nowSec()): WechatMessage {
  return {
    ToUserName: 'gh_123456789abc',
    FromUserName: OPENID,
    CreateTime: createTime,
    MsgType: 'event',
    Event,
    EventKey: 'K',
  } as WechatMessage;
}

describe('customer-service message bodies (§6.3)', () => {
  test('every reply type with an equivalent maps to the documented JSON', () => {
    assert.deepEqual(customMessageFor(OPENID, textReply('你好')), {
      touser: OPENID,
      msgtype: 'text',
      text: { content: '你好' },
    });
    assert.deepEqual(customMessageFor(OPENID, imageReply('M1')), {
      touser: OPENID,
      msgtype: 'image',
      image: { media_id: 'M1' },
    });
    assert.deepEqual(customMessageFor(OPENID, voiceReply('M2')), {
      touser: OPENID,
      msgtype: 'voice',
      voice: { media_id: 'M2' },
    });
    assert.deepEqual(customMessageFor(OPENID, videoReply('M3', 'T', 'D')), {
      touser: OPENID,
      msgtype: 'video',
      video: { media_id: 'M3', title: 'T', description: 'D' },
    });
    // The thumbnail the customer-service video message asks for (§6.3), which the passive reply has no field for.
    assert.deepEqual(customMessageFor(OPENID, videoReply('M3', 'T', 'D', 'TH3')), {
      touser: OPENID,
      msgtype: 'video',
      video: { media_id: 'M3', thumb_media_id: 'TH3', title: 'T', description: 'D' },
    });
    assert.deepEqual(
      customMessageFor(
        OPENID,
        musicReply({ Title: 'S', MusicUrl: 'http://a/m.mp3', HQMusicUrl: 'http://a/hq.mp3', ThumbMediaId: 'TH' }),
      ),
      {
        touser: OPENID,
        msgtype: 'music',
        music: { title: 'S', musicurl: 'http://a/m.mp3', hqmusicurl: 'http://a/hq.mp3', thumb_media_id: 'TH' },
      },
    );
    assert.deepEqual(
      customMessageFor(
        OPENID,
        newsReply([{ Title: 'A', Description: 'd', PicUrl: 'https://p/1.jpg', Url: 'https://u/1' }, { Title: 'B' }]),
      ),
      {
        touser: OPENID,
        msgtype: 'news',
        news: { articles: [{ title: 'A', description: 'd', url: 'https://u/1', picurl: 'https://p/1.jpg' }] },
      },
    );
  });

  test('transfer_customer_service has no customer-service equivalent', () => {
    assert.equal(customMessageFor(OPENID, transferReply('kf1@test')), undefined);
  });
});

describe('late-reply sender against the fake API', () => {
  let fake: FakeWechatApi;
  useFakeWechatApi((f) => {
    fake = f;
  });

  function sender(store = new MemoryStore()) {
    const logs: LateReplyLog[] = [];
    const send = createLateReplySender({
      appId: fake.appId,
      appSecret: fake.appSecret,
      store,
      apiBase: fake.url,
      onLog: (e) => logs.push(e),
    });
    return { send, logs };
  }

  test('delivers a late text reply to the user with a fresh token and logs it without the full OpenID', async () => {
    const { send, logs } = sender();
    const n = fake.sent.length;
    await send(textMessage(), textReply('慢的回答'));
    assert.deepEqual(fake.sent.slice(n), [{ touser: OPENID, msgtype: 'text', text: { content: '慢的回答' } }]);
    const call = fake.calls.filter((c) => c.path === '/cgi-bin/message/custom/send').at(-1);
    assert.equal(call?.method, 'POST');
    assert.equal(call?.query.access_token, fake.currentToken());
    assert.equal(logs.length, 1);
    assert.equal(logs[0]?.event, 'late_reply.sent');
    assert.ok(!JSON.stringify(logs).includes(OPENID), 'OpenID is masked in logs');
  });

  test('after a user message: 5 within 48 h, the 6th is dropped as quota_used', async () => {
    const { send, logs } = sender();
    const m = textMessage();
    const n = fake.sent.length;
    for (let i = 0; i < 6; i++) await send(m, textReply(`part ${i}`));
    assert.equal(fake.sent.length - n, 5);
    assert.equal(logs.at(-1)?.reason, 'quota_used');
  });

  test('a user message older than 48 h is not answered', async () => {
    const { send, logs } = sender();
    const n = fake.calls.length;
    await send(textMessage(nowSec() - 49 * 3600), textReply('too late'));
    assert.equal(fake.calls.length, n, 'no request made');
    assert.equal(logs[0]?.reason, 'window_closed');
  });

  test('after a menu click: 3 within a minute; after a minute none', async () => {
    const { send, logs } = sender();
    const n = fake.sent.length;
    const click = event('CLICK');
    for (let i = 0; i < 4; i++) await send(click, textReply(`c${i}`));
    assert.equal(fake.sent.length - n, 3);
    assert.equal(logs.at(-1)?.reason, 'quota_used');
    await send(event('subscribe', nowSec() - 61), textReply('welcome'));
    assert.equal(logs.at(-1)?.reason, 'window_closed');
    assert.equal(fake.sent.length - n, 3);
  });

  test('events that open no window (VIEW, LOCATION) and transfer replies are dropped without a request', async () => {
    const { send, logs } = sender();
    const n = fake.calls.length;
    await send(event('VIEW'), textReply('x'));
    await send(event('LOCATION'), textReply('x'));
    await send(textMessage(), transferReply());
    assert.equal(fake.calls.length, n);
    assert.deepEqual(
      logs.map((l) => l.reason),
      ['no_window', 'no_window', 'unsupported'],
    );
  });

  test('the log says what was sent and in which window, for every reply type; drops say why in words', async () => {
    const { send, logs } = sender();
    await send(textMessage(), imageReply('MEDIA_ID_1'));
    assert.deepEqual(
      { event: logs[0]?.event, msgtype: logs[0]?.msgtype, message: logs[0]?.message },
      {
        event: 'late_reply.sent',
        msgtype: 'image',
        message:
          "sent through the customer-service API, message 1 of 5 in the 48 h window after the user's text message",
      },
    );
    await send(event('CLICK'), videoReply('M3', 'T', 'D', 'TH3'));
    assert.equal(
      logs[1]?.message,
      'sent through the customer-service API, message 1 of 3 in the 1 min window after the CLICK event',
    );
    await send(event('subscribe', nowSec() - 61), imageReply('M'));
    assert.match(logs[2]?.message ?? '', /^the 1 min window after the subscribe event closed \d+ s ago$/);
    await send(textMessage(), transferReply());
    assert.equal(
      logs[3]?.message,
      'a transfer_customer_service reply only works as the direct answer: the customer-service API has no such message',
    );
    const n = fake.calls.length;
    await send(textMessage(), { MsgType: undefined } as never);
    await send(textMessage(), { MsgType: 'image' } as never);
    assert.equal(fake.calls.length, n, 'nothing sent for them');
    assert.deepEqual(
      logs.slice(4).map((l) => [l.reason, l.msgtype, l.message]),
      [
        ['unsupported', 'none', 'not a reply (an empty object): nothing was sent'],
        ['unsupported', 'image', 'not a reply (an image reply without Image.MediaId): nothing was sent'],
      ],
    );
    assert.ok(
      !logs.some((l) => /undefined|after the text/.test(l.message)),
      'no "a undefined reply", no "after the text"',
    );
  });

  for (const errcode of [45015, 45047, 48001]) {
    test(`WeChat refusing with ${errcode} is logged with the errcode and dropped, not thrown`, async () => {
      const { send, logs } = sender();
      fake.failNext('/cgi-bin/message/custom/send', errcode);
      await send(textMessage(), textReply('refused'));
      assert.equal(logs.length, 1);
      assert.equal(logs[0]?.event, 'late_reply.dropped');
      assert.equal(logs[0]?.reason, 'refused');
      assert.equal(logs[0]?.errcode, errcode);
      assert.match(logs[0]?.message ?? '', new RegExp(String(errcode)));
    });
  }

  test('the sender resolves to what became of the answer: sent, refused (errcode, what to do), or kept back', async () => {
    const { send } = sender();
    const sent = await send(textMessage(), textReply('到了'));
    assert.deepEqual(sent, {
      openid: 'oUse…0000',
      msgtype: 'text',
      api: '/cgi-bin/message/custom/send',
      sent: true,
      request: { touser: 'oUse…0000', msgtype: 'text', text: { content: '到了' } },
      response: { errcode: 0, errmsg: 'ok' },
      message: "sent through the customer-service API, message 1 of 5 in the 48 h window after the user's text message",
    });
    for (const [errcode, hint] of [
      [40003, /only to a follower of this account/],
      [45015, /48 hours after their last message/],
      [48001, /verify it, or use --slow-replies retry-window/],
    ] as const) {
      fake.failNext('/cgi-bin/message/custom/send', errcode);
      const r = await send(textMessage(), textReply('没到'));
      assert.equal(r.sent, false);
      assert.equal(r.reason, 'refused');
      assert.equal(r.response?.errcode, errcode);
      assert.match(r.response?.errmsg ?? '', /rid: /, "WeChat's errmsg as it came");
      assert.match(r.hint ?? '', hint);
      assert.match(r.message, new RegExp(`errcode ${errcode} `));
      assert.ok(r.message.endsWith(`; ${r.hint}`), r.message);
      assert.ok(!JSON.stringify(r).includes(OPENID), 'the OpenID is masked');
    }
    const closed = await send(textMessage(nowSec() - 49 * 3600), textReply('太晚'));
    assert.deepEqual(
      [closed.sent, closed.reason, closed.response, closed.request?.touser],
      [false, 'window_closed', undefined, 'oUse…0000'],
    );
    // What the caller did with a refused answer (serve keeps it for the user's next message) is the hint.
    const keeping = createLateReplySender({
      appId: fake.appId,
      appSecret: fake.appSecret,
      store: new MemoryStore(),
      apiBase: fake.url,
      onRefused: () => 'kept for the next message',
    });
    fake.failNext('/cgi-bin/message/custom/send', 48001);
    assert.equal((await keeping(textMessage(), textReply('留着'))).hint, 'kept for the next message');
  });

  test('an unreachable API is logged as failed, never thrown', async () => {
    const port = await freePort();
    const logs: LateReplyLog[] = [];
    const send = createLateReplySender({
      appId: 'wxa',
      appSecret: 's',
      store: new MemoryStore(),
      apiBase: `http://127.0.0.1:${port}`,
      timeoutMs: 1000,
      onLog: (e) => logs.push(e),
    });
    await send(textMessage(), textReply('x'));
    assert.equal(logs[0]?.reason, 'failed');
    assert.equal(logs[0]?.level, 'error');
  });
});

describe('late-reply windows shared through Redis', requireRedis(), () => {
  let redis: TestRedis;
  let fake: FakeWechatApi;
  before(async () => {
    redis = await startTestRedis(3);
    fake = await startFakeWechatApi({ appId: redis.prefix });
  });
  after(async () => {
    await fake.stop();
    await redis.stop();
  });

  test('two replicas together send at most 3 after one click', async () => {
    const stores = [await RedisStore.connect(redis.url), await RedisStore.connect(redis.url)];
    try {
      const senders = stores.map((store) =>
        createLateReplySender({ appId: fake.appId, appSecret: fake.appSecret, store, apiBase: fake.url }),
      );
      const click = event('CLICK');
      await Promise.all(Array.from({ length: 6 }, (_, i) => senders[i % 2]!(click, textReply(`r${i}`))));
      assert.equal(fake.sent.length, 3);
      assert.equal(fake.stats.stableToken, 1, 'the replicas shared one token');
    } finally {
      for (const s of stores) await s.close();
    }
  });
});

describe('createHandler records what became of a late answer for onExchange', () => {
  let fake: FakeWechatApi;
  useFakeWechatApi((f) => {
    fake = f;
  });

  test('sent, and one the API has no message for (transfer): each an exchange of its own, and no error logged', async () => {
    const { createBot } = await import('../../src/bot/index.js');
    const { createHandler } = await import('../../src/server/index.js');
    const { sendMessage, textMessage: simulated } = await import('../../src/simulate/index.js');
    const { createServer } = await import('node:http');
    const slow = (reply: unknown) => async () => {
      await new Promise((r) => setTimeout(r, 150));
      return reply as never;
    };
    const bot = createBot().text('好', slow('好的')).text('坏', slow(transferReply()));
    const seen: Exchange[] = [];
    const errors: unknown[] = [];
    const server = createServer(
      createHandler(bot, {
        token: 'abc123',
        deadlineMs: 50,
        onLateReply: createLateReplySender({
          appId: fake.appId,
          appSecret: fake.appSecret,
          store: new MemoryStore(),
          apiBase: fake.url,
        }),
        onExchange: (x) => seen.push(x),
        onLog: (r) => r.type === 'error' && errors.push(r),
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      for (const text of ['好', '坏'])
        await sendMessage({ url, message: simulated(text), settings: { token: 'abc123', mode: 'plain' } });
      for (let i = 0; i < 40 && seen.filter((x) => x.slow === 'custom-service').length < 2; i++)
        await new Promise((r) => setTimeout(r, 25));
      // In the order of the messages: which answer is recorded first is a race (the first one's
      // API call can outlast the second's refusal, which makes none).
      const content = (x: Exchange) => (x.message as { Content?: string } | undefined)?.Content ?? '';
      const late = seen
        .filter((x) => x.slow === 'custom-service')
        .sort((a, b) => ['好', '坏'].indexOf(content(a)) - ['好', '坏'].indexOf(content(b)));
      assert.deepEqual(
        late.map((x) => [
          (x.message as { Content?: string } | undefined)?.Content,
          x.status,
          x.customService?.sent,
          x.customService?.reason,
        ]),
        [
          ['好', 0, true, undefined],
          ['坏', 0, false, 'unsupported'],
        ],
      );
      assert.match(late[0]!.replyXml ?? '', /<Content><!\[CDATA\[好的\]\]><\/Content>/);
      assert.match(late[1]!.replyXml ?? '', /transfer_customer_service/);
      assert.match(late[1]!.customService?.message ?? '', /only works as the direct answer/);
      assert.deepEqual(errors, []);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("a hook of one's own: nothing, a throw or an object of its own make no record (a throw is logged)", async () => {
    const { createBot } = await import('../../src/bot/index.js');
    const { createHandler } = await import('../../src/server/index.js');
    const { sendMessage, textMessage: simulated } = await import('../../src/simulate/index.js');
    const { createServer } = await import('node:http');
    const bot = createBot().fallback(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return 'late';
    });
    const hooks: Record<string, () => unknown> = {
      nothing: async () => undefined,
      throws: () => {
        throw new Error('hook failed');
      },
      'its own object': async () => ({ sent: true, id: 7 }),
    };
    for (const [name, hook] of Object.entries(hooks)) {
      const seen: Exchange[] = [];
      const errors: string[] = [];
      let called = 0;
      const server = createServer(
        createHandler(bot, {
          token: 'abc123',
          deadlineMs: 30,
          onLateReply: () => {
            called++;
            return hook();
          },
          onExchange: (x) => seen.push(x),
          onLog: (r) => r.type === 'error' && errors.push(r.error.message),
        }),
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
        await sendMessage({ url, message: simulated('hi'), settings: { token: 'abc123', mode: 'plain' } });
        for (let i = 0; i < 40 && called === 0; i++) await new Promise((r) => setTimeout(r, 25));
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(called, 1, name);
        assert.deepEqual(
          seen.map((x) => x.slow ?? 'request'),
          ['request'],
          `${name}: only the request is recorded`,
        );
        assert.deepEqual(errors, name === 'throws' ? ['hook failed'] : [], name);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }
  });
});
