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

test('--help ends with examples', async () => {
  const { stdout } = await wxbot('keys', '--help');
  assert.match(stdout, /Examples:\n {2}\$ wxbot keys\n/);
});
