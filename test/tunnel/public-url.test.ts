import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TunnelError } from '../../src/tunnel/errors.js';
import {
  callbackUrl,
  createPublicUrlProvider,
  parsePublicUrl,
  publicUrlWarnings,
} from '../../src/tunnel/public-url.js';

test('the public-url provider opens nothing and returns the base without a trailing slash', async () => {
  const t = await createPublicUrlProvider('https://bot.example.com/').open(5050);
  assert.equal(t.url, 'https://bot.example.com');
  await t.close();
});

test('rejects what WeChat cannot call, with a reason', () => {
  for (const [input, why] of [
    [
      'bot.example.com',
      /^--public-url must be an http:\/\/ or https:\/\/ URL, got "bot\.example\.com": did you mean https:\/\/bot\.example\.com \?$/,
    ],
    ['bot.example.com:443', /did you mean https:\/\/bot\.example\.com:443 \?$/],
    ['ftp://x.example', /http:\/\/ or https:\/\//],
    ['https://u:p@x.example', /user name or password/],
  ] as const) {
    assert.throws(
      () => parsePublicUrl(input),
      (e: unknown) => e instanceof TunnelError && e.code === 'BAD_PUBLIC_URL' && why.test(e.message),
    );
  }
});

test('callbackUrl appends the server path unless the URL already ends with it', () => {
  assert.equal(callbackUrl('https://bot.example.com', '/wechat'), 'https://bot.example.com/wechat');
  assert.equal(callbackUrl('https://bot.example.com/', 'wechat'), 'https://bot.example.com/wechat');
  assert.equal(callbackUrl('https://bot.example.com/wechat', '/wechat'), 'https://bot.example.com/wechat');
  assert.equal(callbackUrl('https://x.cpolar.cn/mybot', '/wechat'), 'https://x.cpolar.cn/mybot/wechat');
  assert.equal(callbackUrl('http://127.0.0.1:4000', '/'), 'http://127.0.0.1:4000/');
});

test('warns about ports and plain http the console will refuse or frown on', () => {
  assert.deepEqual(publicUrlWarnings('https://bot.example.com/wechat'), []);
  const w = publicUrlWarnings('http://127.0.0.1:4000/wechat');
  assert.equal(w.length, 2);
  assert.match(w[0]!, /port 80 \(http\) or 443 \(https\)/);
  assert.match(w[1]!, /https:\/\/ is recommended/);
});
