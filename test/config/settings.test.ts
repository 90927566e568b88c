// The strict readers behind every command's settings: .env lines, decimal ports, AppIDs, http(s) URLs, Redis URLs.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkDotEnv, readEnvFile } from '../../src/config/dotenv.js';
import { wechatSettings } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { checkAppId, decimalInt, httpUrl, httpUrlProblem, port } from '../../src/config/values.js';
import { StoreError } from '../../src/store/errors.js';
import { parseRedisUrl } from '../../src/store/redis-url.js';

const configError = (setting: string, text: RegExp) => (e: unknown) =>
  e instanceof ConfigError && e.setting === setting && text.test(e.message);

test('a .env line without = is an error with its line number, and never quotes the line (it may hold a secret)', () => {
  const text = '# account\nWECHAT_TOKEN=abc123\n\nWECHAT_APP_SECRET s3cretvalue\nWXBOT_PORT=0\n';
  assert.throws(
    () => checkDotEnv(text, '/srv/bot/.env'),
    (e: unknown) =>
      configError('/srv/bot/.env', /^\/srv\/bot\/\.env line 4: expected NAME=value/)(e) &&
      !(e as Error).message.includes('s3cretvalue'),
  );
});

test('.env: comments, export, spaces around =, CRLF and quoted values spanning lines are accepted', () => {
  const text = '# c\r\nexport A=1\r\nB = 2\nC="multi\nline"\nD=\'x\'\nE=\n  # indented comment\n';
  checkDotEnv(text, '.env');
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-env-'));
  try {
    writeFileSync(join(dir, '.env'), text);
    const env = readEnvFile(join(dir, '.env'));
    assert.equal(env.A, '1');
    assert.equal(env.B, '2');
    assert.equal(env.C, 'multi\nline');
    assert.equal(env.D, 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.env saved with a byte order mark (UTF-8 with BOM, as Windows editors save it): its first name reads as written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-env-'));
  try {
    writeFileSync(join(dir, '.env'), '\uFEFFWECHAT_TOKEN=abc123\r\nWECHAT_APP_ID=wx0123456789abcdef\r\n');
    assert.deepEqual(readEnvFile(join(dir, '.env')), { WECHAT_TOKEN: 'abc123', WECHAT_APP_ID: 'wx0123456789abcdef' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('.env: a quoted value that is never closed is an error at the line that opens it', () => {
  assert.throws(
    () => checkDotEnv('A=1\nB="open\nC=2\n', '.env'),
    configError('.env', /line 2: the value opens with "/),
  );
  assert.throws(() => checkDotEnv('=value\n', '.env'), configError('.env', /line 1: expected NAME=value/));
  assert.throws(() => checkDotEnv('1A=value\n', '.env'), configError('.env', /line 1/));
});

test('a missing .env is empty; a directory or a symlink loop in its place is an error naming the path and why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-env-'));
  try {
    assert.deepEqual(readEnvFile(join(dir, '.env')), {});
    mkdirSync(join(dir, '.env'));
    assert.throws(
      () => readEnvFile(join(dir, '.env')),
      configError(join(dir, '.env'), /cannot read .*\.env: it is a directory/),
    );
    symlinkSync('loop', join(dir, 'loop'));
    assert.throws(() => readEnvFile(join(dir, 'loop')), configError(join(dir, 'loop'), /cannot read .*loop: ELOOP/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ports and other whole numbers: decimal digits only, in range (no hex, exponent, spaces or empty string)', () => {
  assert.equal(port('0', '--port'), 0);
  assert.equal(port('65535', '--port'), 65535);
  assert.equal(port('080', '--port'), 80);
  for (const bad of ['0x50', '1e3', ' 80', '80 ', '', '65536', '-1', '8.0', '+80', '１２３', '99999999999999999999'])
    assert.throws(
      () => port(bad, 'WXBOT_PORT'),
      configError('WXBOT_PORT', /^WXBOT_PORT must be a whole number from 0 to 65535/),
      bad,
    );
  assert.throws(() => decimalInt('0', '--deadline', 1, 60000), configError('--deadline', /from 1 to 60000/));
});

test('an AppID is wx and 16 hex characters wherever it is set; the error names the flag or the variable', () => {
  assert.equal(checkAppId('wx1234567890ABCDEF', '--app-id'), 'wx1234567890ABCDEF');
  for (const bad of ['not an id', 'wx123', 'wx1234567890abcdeg', 'ww1234567890abcdef', ' wx1234567890abcdef', ''])
    assert.throws(() => checkAppId(bad, '--app-id'), configError('--app-id', /wx followed by 16 hex/), bad);
  assert.throws(
    () => wechatSettings({}, { WECHAT_APP_ID: 'nope' }),
    configError('WECHAT_APP_ID', /WECHAT_APP_ID must/),
  );
  assert.throws(
    () => wechatSettings({ appId: 'nope' }, { WECHAT_APP_ID: 'wx1234567890abcdef' }),
    configError('--app-id', /--app-id must/),
  );
  assert.equal(wechatSettings({}, { WECHAT_APP_ID: 'wx1234567890abcdef' }).appId, 'wx1234567890abcdef');
});

test('Redis URLs: redis:// or rediss://, a host, and a decimal database or none; the password never in the error', () => {
  assert.equal(parseRedisUrl('redis://127.0.0.1:6379').db, 0);
  assert.equal(parseRedisUrl('redis://:pw@127.0.0.1:6379/3').db, 3);
  assert.equal(parseRedisUrl('rediss://h/0').db, 0);
  const bad = (url: string, text: RegExp) =>
    assert.throws(
      () => parseRedisUrl(url),
      (e: unknown) =>
        e instanceof StoreError && e.code === 'STORE_BAD_URL' && text.test(e.message) && !e.message.includes('hunter2'),
      url,
    );
  bad('http://:hunter2@h/0', /scheme is http/);
  bad('redis://:hunter2@h/db1', /database .* must be a number/);
  bad('redis://:hunter2@h/0x1', /must be a number/);
  bad('redis://:hunter2@h/1/2', /must be a number/);
  bad('not a url', /not a Redis URL/);
  bad('redis://:hunter2@:6379/0', /not a Redis URL|no host/);
});

test('http(s) URLs pass as given; anything else names the setting, and a host without its scheme gets the URL meant', () => {
  for (const ok of ['http://127.0.0.1:5050/wechat', 'https://bot.example.com/wx?a=1', 'http://[::1]:8080/'])
    assert.equal(httpUrl(ok, '--url'), ok);
  const meant = (raw: string, setting: string, url: string) =>
    assert.throws(
      () => httpUrl(raw, setting),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.setting === setting &&
        e.message === `${setting} must be an http:// or https:// URL, got "${raw}": did you mean ${url} ?`,
    );
  meant('127.0.0.1:5050/wechat', '--url', 'http://127.0.0.1:5050/wechat');
  meant('localhost:5050', '--url', 'http://localhost:5050');
  meant('[::1]:5050/wechat', 'WXBOT_URL', 'http://[::1]:5050/wechat');
  assert.throws(() => httpUrl('ftp://x/y', '--url'), configError('--url', /^--url must be .* got "ftp:\/\/x\/y"$/));
  assert.throws(() => httpUrl('', '--url'), configError('--url', /got ""$/));
  assert.equal(
    httpUrlProblem('api.deepseek.com/v1', 'OPENAI_BASE_URL', 'https'),
    'OPENAI_BASE_URL must be an http:// or https:// URL, got "api.deepseek.com/v1": did you mean https://api.deepseek.com/v1 ?',
  );
  assert.equal(httpUrlProblem('https://api.deepseek.com/v1', 'OPENAI_BASE_URL', 'https'), undefined);
});
