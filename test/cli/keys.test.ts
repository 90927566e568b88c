import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { isValidAesKey } from '../../src/protocol/crypto.js';

const run = promisify(execFile);
const wxbot = (...args: string[]) =>
  run(process.execPath, ['bin/wxbot.js', ...args], { env: { ...process.env, NO_COLOR: '1' } });

test('prints .env lines: a 32-char Token and a valid 43-char EncodingAESKey, fresh each run', async () => {
  const [a, b] = await Promise.all([wxbot('keys'), wxbot('keys')]);
  const parse = (out: string) => {
    const m = /^WECHAT_TOKEN=([A-Za-z0-9]{32})\nWECHAT_AES_KEY=([A-Za-z0-9]{43})\n$/.exec(out);
    assert.ok(m, `unexpected output: ${out}`);
    return { token: m[1]!, key: m[2]! };
  };
  const ka = parse(a.stdout);
  const kb = parse(b.stdout);
  assert.ok(isValidAesKey(ka.key));
  assert.notEqual(ka.token, kb.token);
  assert.notEqual(ka.key, kb.key);
  assert.equal(a.stderr, '', 'no hint when stderr is not a terminal');
});

test('--json prints one JSON object and nothing else', async () => {
  const { stdout } = await wxbot('keys', '--json');
  const keys = JSON.parse(stdout) as { token: string; encodingAESKey: string };
  assert.deepEqual(Object.keys(keys).sort(), ['encodingAESKey', 'token']);
  assert.match(keys.token, /^[A-Za-z0-9]{32}$/);
  assert.ok(isValidAesKey(keys.encodingAESKey));
});

test('--app-id adds WECHAT_APP_ID, which wxbot serve needs beside the key; a malformed one exits 2', async () => {
  const { stdout } = await wxbot('keys', '--app-id', 'wx2c2769f8efd9abc2');
  assert.match(stdout, /^WECHAT_TOKEN=\w{32}\nWECHAT_AES_KEY=[A-Za-z0-9]{43}\nWECHAT_APP_ID=wx2c2769f8efd9abc2\n$/);
  const json = JSON.parse((await wxbot('keys', '--app-id', 'wx2c2769f8efd9abc2', '--json')).stdout);
  assert.equal(json.appId, 'wx2c2769f8efd9abc2');
  await assert.rejects(wxbot('keys', '--app-id', 'wx123'), (err: { code: number; stderr: string; stdout: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /--app-id must be an AppID .*wx followed by 16 hex characters, got "wx123"/);
    assert.equal(err.stdout, '', 'no keys printed');
    return true;
  });
});

test('--help ends with examples', async () => {
  const { stdout } = await wxbot('keys', '--help');
  assert.match(stdout, /Examples:\n {2}\$ wxbot keys\n/);
});
