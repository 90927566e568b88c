// The banner's `wxbot simulate` hint: run as shown, from the same directory, it reaches this server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { banner, simulateHint } from '../../src/cli/serve-banner.js';
import { resolveServeSettings } from '../../src/cli/serve-settings.js';

const BARE = 'wxbot simulate text 你好';

test('simulateHint: --url only when a bare simulate would send elsewhere, --token only when it has no session', () => {
  const configured = { WECHAT_TOKEN: 'configured42' };
  const s = resolveServeSettings({}, configured);
  const generated = resolveServeSettings({}, {});
  const cases: [string, string, string, boolean, Record<string, string>][] = [
    ['default URL, configured Token', 'http://127.0.0.1:5050/wechat', BARE, false, configured],
    [
      'another port, configured Token (no dev session)',
      'http://127.0.0.1:47452/wechat',
      `${BARE} --url http://127.0.0.1:47452/wechat`,
      false,
      configured,
    ],
    [
      'the port and path from the environment simulate reads too',
      'http://127.0.0.1:47452/hook',
      BARE,
      false,
      { ...configured, WXBOT_PORT: '47452', WXBOT_PATH: 'hook' },
    ],
    [
      'WXBOT_URL naming another server',
      'http://127.0.0.1:5050/wechat',
      `${BARE} --url http://127.0.0.1:5050/wechat`,
      false,
      { ...configured, WXBOT_URL: 'http://127.0.0.1:8000/wechat' },
    ],
    [
      'an unusable WXBOT_URL',
      'http://127.0.0.1:5050/wechat',
      `${BARE} --url http://127.0.0.1:5050/wechat`,
      false,
      { ...configured, WXBOT_URL: 'nope' },
    ],
    ['another host', 'http://10.0.0.5:5050/wechat', `${BARE} --url http://10.0.0.5:5050/wechat`, false, configured],
    [
      "a path with a shell's characters",
      "http://127.0.0.1:1/a;b'c",
      `${BARE} --url 'http://127.0.0.1:1/a;b'\\''c'`,
      false,
      configured,
    ],
  ];
  for (const [name, url, hint, saved, env] of cases) assert.equal(simulateHint(s, url, saved, env), hint, name);

  // A generated Token: the dev session carries it and the URL, unless the environment names another server.
  const url = 'http://127.0.0.1:47452/wechat';
  assert.equal(simulateHint(generated, url, true, {}), BARE);
  assert.equal(simulateHint(generated, url, true, { PORT: '3000' }), `${BARE} --url ${url}`);
  assert.equal(simulateHint(generated, url, false, {}), `${BARE} --url ${url} --token ${generated.token}`);
});

test('a --deadline not before WeChat gives up (5 s) is called out in the banner; the default is not', async () => {
  const { Chalk } = await import('chalk');
  const plain = new Chalk({ level: 0 });
  const url = 'http://127.0.0.1:5050/wechat';
  const late = banner(
    resolveServeSettings({ deadline: '6000' }, { WECHAT_TOKEN: 'configured42' }),
    url,
    'demo',
    false,
    {},
    plain,
  );
  assert.match(late, /--deadline 6000 ms is not before WeChat gives up \(5 s\): no answer reaches the user passively/);
  const usual = banner(resolveServeSettings({}, { WECHAT_TOKEN: 'configured42' }), url, 'demo', false, {}, plain);
  assert.doesNotMatch(usual, /--deadline/);
});
