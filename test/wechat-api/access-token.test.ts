import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/store/index.js';
import { AccessTokenManager, createWechatApi, WechatApi, WechatApiError } from '../../src/wechat-api/index.js';
import { freePort } from '../fakes/redis.js';
import { startFakeWechatApi, useFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';

function manager(
  fake: FakeWechatApi,
  store = new MemoryStore(),
  extra: Partial<ConstructorParameters<typeof AccessTokenManager>[0]> = {},
) {
  return new AccessTokenManager({ appId: fake.appId, appSecret: fake.appSecret, store, apiBase: fake.url, ...extra });
}

describe('access_token through stable_token', () => {
  let fake: FakeWechatApi;
  before(async () => {
    fake = await startFakeWechatApi();
  });
  after(async () => {
    await fake.stop();
  });

  test('asks stable_token with the documented JSON body', async () => {
    const token = await manager(fake).getToken();
    assert.equal(token, fake.currentToken());
    const call = fake.calls.find((c) => c.path === '/cgi-bin/stable_token');
    assert.equal(call?.method, 'POST');
    assert.deepEqual(call?.body, {
      grant_type: 'client_credential',
      appid: fake.appId,
      secret: fake.appSecret,
      force_refresh: false,
    });
  });

  test('caches the token in the store: later callers and other instances do not ask again', async () => {
    const store = new MemoryStore();
    const before = fake.stats.stableToken;
    const a = manager(fake, store);
    const t1 = await a.getToken();
    const t2 = await a.getToken();
    const t3 = await manager(fake, store).getToken();
    assert.equal(t1, t2);
    assert.equal(t1, t3);
    assert.equal(fake.stats.stableToken - before, 1);
    const stored = JSON.parse((await store.get(`wxbot:${fake.appId}:access_token`)) ?? '{}');
    assert.equal(stored.token, t1);
  });

  test('50 concurrent callers on 50 instances sharing a store cause one refresh', async () => {
    const store = new MemoryStore();
    const slow = await startFakeWechatApi({ tokenDelayMs: 150 });
    try {
      const tokens = await Promise.all(
        Array.from({ length: 50 }, () => manager(slow, store, { pollIntervalMs: 20 }).getToken()),
      );
      assert.equal(new Set(tokens).size, 1);
      assert.equal(slow.stats.stableToken, 1);
    } finally {
      await slow.stop();
    }
  });

  test('a wrong AppSecret is a typed error with errcode and meaning, and never shows the secret', async () => {
    const m = new AccessTokenManager({
      appId: fake.appId,
      appSecret: 'wrong-secret-value-123',
      store: new MemoryStore(),
      apiBase: fake.url,
    });
    const err = await m.getToken().then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WechatApiError);
    assert.equal(err.code, 'WECHAT_ERRCODE');
    assert.equal(err.errcode, 40125);
    assert.equal(err.meaning, 'invalid appsecret');
    assert.match(err.message, /40125/);
    assert.doesNotMatch(err.message, /wrong-secret-value-123/);
  });

  test('no server is WECHAT_NETWORK, not a hang or a crash', async () => {
    const port = await freePort();
    const m = new AccessTokenManager({
      appId: 'wxa',
      appSecret: 's',
      store: new MemoryStore(),
      apiBase: `http://127.0.0.1:${port}`,
      timeoutMs: 1000,
    });
    await assert.rejects(m.getToken(), (e: unknown) => e instanceof WechatApiError && e.code === 'WECHAT_NETWORK');
  });

  test('missing AppID/AppSecret is refused up front', () => {
    assert.throws(
      () => createWechatApi({ appId: '', appSecret: 'x' }),
      (e: unknown) => e instanceof WechatApiError && e.code === 'WECHAT_CONFIG',
    );
  });
});

describe('early refresh', () => {
  test('refreshes once less than the margin is left, not before', async () => {
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const fake = await startFakeWechatApi({ now });
    try {
      const m = manager(fake, new MemoryStore(), { now });
      const first = await m.getToken();
      clock += (7200 - 301) * 1000; // 5 min + 1 s left: still fresh
      assert.equal(await m.getToken(), first);
      assert.equal(fake.stats.stableToken, 1);
      clock += 2_000; // 299 s left: WeChat rotates, we refresh
      const second = await m.getToken();
      assert.notEqual(second, first);
      assert.equal(fake.stats.stableToken, 2);
      assert.equal(await m.getToken(), second);
      assert.equal(fake.stats.stableToken, 2);
    } finally {
      await fake.stop();
    }
  });

  test('while another replica holds the refresh lock, a still-valid token is served at once', async () => {
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const fake = await startFakeWechatApi({ now });
    const store = new MemoryStore();
    try {
      const first = await manager(fake, store, { now }).getToken();
      clock += (7200 - 200) * 1000;
      await store.set(`wxbot:${fake.appId}:access_token:lock`, 'someone-else', 10_000);
      const other = manager(fake, store, { now });
      assert.equal(await other.getToken(), first);
      assert.equal(fake.stats.stableToken, 1);
    } finally {
      await fake.stop();
    }
  });

  test('without a token, a caller waits for the lock holder and uses what it stored', async () => {
    const fake = await startFakeWechatApi();
    const store = new MemoryStore();
    try {
      const key = `wxbot:${fake.appId}:access_token`;
      await store.set(`${key}:lock`, 'someone-else', 10_000);
      const waiting = manager(fake, store, { pollIntervalMs: 10 }).getToken();
      setTimeout(() => {
        const t = Date.now();
        void store.set(
          key,
          JSON.stringify({ token: 'FROM_OTHER_REPLICA', expiresAt: t + 7_200_000, refreshAt: t + 6_900_000 }),
          7_200_000,
        );
      }, 100);
      assert.equal(await waiting, 'FROM_OTHER_REPLICA');
      assert.equal(fake.stats.stableToken, 0);
    } finally {
      await fake.stop();
    }
  });

  test('gives up with TOKEN_BUSY when the lock holder never delivers', async () => {
    const fake = await startFakeWechatApi();
    const store = new MemoryStore();
    try {
      await store.set(`wxbot:${fake.appId}:access_token:lock`, 'stuck', 10_000);
      await assert.rejects(
        manager(fake, store, { waitTimeoutMs: 150, pollIntervalMs: 10 }).getToken(),
        (e: unknown) => e instanceof WechatApiError && e.code === 'TOKEN_BUSY',
      );
    } finally {
      await fake.stop();
    }
  });

  test('takes over when the lock holder died (its lock expired)', async () => {
    const fake = await startFakeWechatApi();
    const store = new MemoryStore();
    try {
      await store.set(`wxbot:${fake.appId}:access_token:lock`, 'dead-replica', 100);
      const token = await manager(fake, store, { pollIntervalMs: 20 }).getToken();
      assert.equal(token, fake.currentToken());
      assert.equal(fake.stats.stableToken, 1);
    } finally {
      await fake.stop();
    }
  });
});

describe('refresh-and-retry on a rejected token', () => {
  let fake: FakeWechatApi;
  let api: WechatApi;
  useFakeWechatApi((f, a) => {
    fake = f;
    api = a;
  });

  test('40001 after a rotation elsewhere: a normal re-fetch gets the new token and the call is retried once', async () => {
    const old = await api.tokens.getToken();
    const rotated = fake.rotateElsewhere();
    const n = fake.calls.length;
    await api.call('/cgi-bin/menu/delete');
    const calls = fake.calls
      .slice(n)
      .map(
        (c) =>
          `${c.path}${c.query.access_token ? ` ${c.query.access_token === old ? 'old' : c.query.access_token === rotated ? 'new' : '?'}` : ''}`,
      );
    assert.deepEqual(calls, ['/cgi-bin/menu/delete old', '/cgi-bin/stable_token', '/cgi-bin/menu/delete new']);
    assert.equal(fake.stats.forceRefresh, 0, 'no force_refresh needed');
    assert.equal(await api.tokens.getToken(), rotated);
  });

  test('40001 while the server still hands out the same token: one force_refresh, then the 30 s spacing holds', async () => {
    const before = await api.tokens.getToken();
    fake.failNext('/cgi-bin/menu/delete', 40001);
    await api.call('/cgi-bin/menu/delete');
    assert.equal(fake.stats.forceRefresh, 1);
    const forced = fake.calls.filter((c) => c.path === '/cgi-bin/stable_token').at(-1);
    assert.equal((forced!.body as { force_refresh: boolean }).force_refresh, true);
    assert.notEqual(await api.tokens.getToken(), before);

    fake.failNext('/cgi-bin/menu/delete', 40001);
    await assert.rejects(
      api.call('/cgi-bin/menu/delete'),
      (e: unknown) => e instanceof WechatApiError && e.code === 'FORCE_REFRESH_LIMIT',
    );
    assert.equal(fake.stats.forceRefresh, 1);
  });

  test('retries only once: a second rejection is returned as a typed error', async () => {
    fake.rotateElsewhere();
    fake.failNext('/cgi-bin/menu/get', 42001, 2);
    const err = await api.call('/cgi-bin/menu/get').then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WechatApiError);
    assert.equal(err.errcode, 42001);
    assert.equal(err.meaning, 'access_token expired');
    assert.equal(err.api, '/cgi-bin/menu/get');
    assert.doesNotMatch(err.message, /TOKEN_/, 'the token never appears in errors');
  });

  test('other errcodes are not retried', async () => {
    fake.failNext('/cgi-bin/message/custom/send', 45015);
    const n = fake.calls.length;
    await assert.rejects(
      api.call('/cgi-bin/message/custom/send', {
        body: { touser: 'oUser000001', msgtype: 'text', text: { content: 'x' } },
      }),
      (e: unknown) => e instanceof WechatApiError && e.errcode === 45015 && /window/.test(e.meaning ?? ''),
    );
    assert.equal(fake.calls.length - n, 1);
  });
});

describe('force_refresh daily budget', () => {
  test('stops at the daily limit, counted in the shared store', async () => {
    const fake = await startFakeWechatApi();
    const store = new MemoryStore();
    try {
      const api = new WechatApi(manager(fake, store, { forceRefreshDailyLimit: 1 }));
      fake.failNext('/cgi-bin/menu/delete', 40001);
      await api.call('/cgi-bin/menu/delete');
      assert.equal(fake.stats.forceRefresh, 1);
      await store.delete(`wxbot:${fake.appId}:access_token:force:recent`); // pretend 30 s passed
      fake.failNext('/cgi-bin/menu/delete', 40001);
      await assert.rejects(
        api.call('/cgi-bin/menu/delete'),
        (e: unknown) => e instanceof WechatApiError && e.code === 'FORCE_REFRESH_LIMIT' && /today/.test(e.message),
      );
      assert.equal(fake.stats.forceRefresh, 1);
    } finally {
      await fake.stop();
    }
  });
});
