import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeSignature, computeMsgSignature } from '../../src/protocol/signature.js';
import { vectors } from '../helpers/fixtures.js';
import { tempCwd, wxbot } from './simulate-helpers.js';

for (const v of vectors.filter((x) => x.signature)) {
  test(`sign reproduces signature vector ${v.name}`, async () => {
    const r = await wxbot(['sign', '--token', v.token, '--timestamp', v.timestamp, '--nonce', v.nonce]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${v.signature}\n`);
    assert.equal(r.stderr, '');
  });
}

for (const v of vectors.filter((x) => x.msgSignature || x.derivedMsgSignature)) {
  test(`sign reproduces msg_signature vector ${v.name}`, async () => {
    const r = await wxbot([
      'sign',
      '--token',
      v.token,
      '--timestamp',
      v.timestamp,
      '--nonce',
      v.nonce,
      '--encrypt',
      v.encrypt!,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [signature, msgSignature] = r.stdout.trimEnd().split('\n');
    assert.equal(msgSignature, v.msgSignature ?? v.derivedMsgSignature);
    if (v.signature) assert.equal(signature, v.signature);
    assert.equal(signature, computeSignature(v.token, v.timestamp, v.nonce));
  });
}

test('--json carries every input but never the token', async () => {
  const v = vectors.find((x) => x.name === 'oa_doc_safe_mode_inbound')!;
  const r = await wxbot([
    'sign',
    '--token',
    v.token,
    '--timestamp',
    v.timestamp,
    '--nonce',
    v.nonce,
    '--encrypt',
    v.encrypt!,
    '--json',
  ]);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.msg_signature, v.msgSignature);
  assert.equal(j.timestamp, v.timestamp);
  assert.equal(j.nonce, v.nonce);
  assert.doesNotMatch(r.stdout, new RegExp(`"${v.token}"`));
  assert.equal('token' in j, false);
});

test('missing timestamp and nonce are generated and reported on stderr; stdout stays bare', async () => {
  const r = await wxbot(['sign', '--token', 'AAAAA']);
  assert.equal(r.code, 0);
  const m = /^timestamp=(\d{10}) nonce=(\d+)\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.ok(Math.abs(Number(m[1]) - Date.now() / 1000) < 60);
  assert.equal(r.stdout, `${computeSignature('AAAAA', m[1]!, m[2]!)}\n`);
  const given = await wxbot(['sign', '--token', 'AAAAA', '--timestamp', '1714036504']);
  assert.match(given.stderr, /^nonce=\d+\n$/, 'only the generated nonce is reported');
});

test('--url prints a complete signed URL with encoded values', async () => {
  const r = await wxbot([
    'sign',
    '--token',
    'AAAAA',
    '--timestamp',
    '1714036504',
    '--nonce',
    '1514711492',
    '--echostr',
    'a+b /=',
    '--url',
    'https://example.com/wechat?x=1',
  ]);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'https://example.com/wechat?x=1&signature=f464b24fc39322e44b38aa78f5edd27bd1441696&timestamp=1714036504&nonce=1514711492&echostr=a%2Bb%20%2F%3D\n',
  );
  const u = new URL(r.stdout.trim());
  assert.equal(u.searchParams.get('echostr'), 'a+b /=');
  const e = await wxbot([
    'sign',
    '--token',
    'T',
    '--timestamp',
    '1',
    '--nonce',
    '2',
    '--encrypt',
    'ab+c=',
    '--url',
    'http://h/w',
  ]);
  assert.equal(
    e.stdout.trim(),
    `http://h/w?signature=${computeSignature('T', '1', '2')}&timestamp=1&nonce=2&encrypt_type=aes&msg_signature=${computeMsgSignature('T', '1', '2', 'ab+c=')}`,
  );
});

test('the token comes from WECHAT_TOKEN or .env when not flagged; none at all is a usage error', async () => {
  const fromEnv = await wxbot(['sign', '--timestamp', '1714036504', '--nonce', '1514711492'], {
    env: { WECHAT_TOKEN: 'AAAAA' },
  });
  assert.equal(fromEnv.stdout, 'f464b24fc39322e44b38aa78f5edd27bd1441696\n');
  const fromDotEnv = await wxbot(['sign', '--timestamp', '1714036504', '--nonce', '1514711492'], {
    cwd: tempCwd('WECHAT_TOKEN=AAAAA\n'),
  });
  assert.equal(fromDotEnv.stdout, 'f464b24fc39322e44b38aa78f5edd27bd1441696\n');
  const none = await wxbot(['sign']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no Token/);
});
