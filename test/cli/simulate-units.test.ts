/** In-process tests of the CLI helpers: option parsing and the default URL. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { writeDevSession } from '../../src/config/dev-session.js';
import { DEFAULT_URL, defaultUrl, parseTimeout, resolveSimulate } from '../../src/cli/simulate-options.js';

test('--timeout: bare numbers are seconds, ms suffix is milliseconds', () => {
  assert.equal(parseTimeout('5'), 5000);
  assert.equal(parseTimeout('0.3'), 300);
  assert.equal(parseTimeout('2s'), 2000);
  assert.equal(parseTimeout('250ms'), 250);
  for (const bad of ['0', '-1', 'soon', '1m'])
    assert.throws(
      () => parseTimeout(bad),
      (e: unknown) => e instanceof CliError && e.exitCode === 2,
    );
});

test("the default URL is WXBOT_URL, else serve's port/path, else 127.0.0.1:5050/wechat", () => {
  assert.equal(defaultUrl({}), DEFAULT_URL);
  assert.equal(DEFAULT_URL, 'http://127.0.0.1:5050/wechat');
  assert.equal(defaultUrl({ WXBOT_URL: 'https://x/y', WXBOT_PORT: '1' }), 'https://x/y');
  assert.equal(defaultUrl({ WXBOT_PORT: '8080' }), 'http://127.0.0.1:8080/wechat');
  assert.equal(defaultUrl({ PORT: '3000', WXBOT_PATH: 'hook' }), 'http://127.0.0.1:3000/hook');
});

test('settings: flags beat env; mode defaults to safe only with a key', () => {
  const env = { WECHAT_TOKEN: 'envtok', WECHAT_AES_KEY: 'A'.repeat(43), WECHAT_APP_ID: 'wx1234567890abcdef' };
  assert.equal(resolveSimulate({}, env).settings.mode, 'safe');
  assert.equal(resolveSimulate({}, { WECHAT_TOKEN: 't' }).settings.mode, 'plain');
  assert.equal(resolveSimulate({ token: 'flagtok' }, env).settings.token, 'flagtok');
  assert.equal(resolveSimulate({ mode: 'plain' }, env).settings.mode, 'plain');
  assert.throws(
    () => resolveSimulate({}, {}, mkdtempSync(join(tmpdir(), 'wxbot-units-'))),
    /no Token: start `wxbot serve` in this directory/,
  );
  assert.throws(
    () => resolveSimulate({ mode: 'compat' }, { WECHAT_TOKEN: 't', WECHAT_AES_KEY: 'A'.repeat(43) }),
    /AppID/,
  );
});

test("with no Token configured, the running serve's dev session supplies the Token and the default URL", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'wxbot-units-'));
  writeDevSession(cwd, {
    token: 'sessionTok99',
    url: 'http://127.0.0.1:6123/hook',
    pid: process.pid,
    startedAt: new Date().toISOString(),
  });
  const r = resolveSimulate({}, {}, cwd);
  assert.equal(r.settings.token, 'sessionTok99');
  assert.equal(r.url, 'http://127.0.0.1:6123/hook');
  assert.equal(resolveSimulate({ url: 'http://x/y' }, {}, cwd).url, 'http://x/y', '--url wins');
  assert.equal(resolveSimulate({}, { WXBOT_PORT: '7000' }, cwd).url, 'http://127.0.0.1:7000/wechat', 'WXBOT_PORT wins');
  assert.equal(resolveSimulate({}, { WXBOT_URL: 'http://u/v' }, cwd).url, 'http://u/v', 'WXBOT_URL wins');
  assert.equal(resolveSimulate({}, { WXBOT_PORT: '7000' }, cwd).settings.token, 'sessionTok99');
  const configured = resolveSimulate({}, { WECHAT_TOKEN: 'envtok' }, cwd);
  assert.equal(configured.settings.token, 'envtok', 'a configured Token ignores the session');
  assert.equal(configured.url, DEFAULT_URL, '... and its URL');
  assert.equal(resolveSimulate({ token: 'flagtok' }, {}, cwd).settings.token, 'flagtok');
});
