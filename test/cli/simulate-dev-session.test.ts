/**
 * The two-command promise: `wxbot serve` in one terminal, `wxbot simulate text 你好` in another, no set-up.
 * Real child processes in a temp directory, environments stripped of WECHAT_* / WXBOT_*.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runServe, tempDir } from './serve-child.js';
import { wxbot } from './simulate-helpers.js';

const sessionFile = (cwd: string) => join(cwd, '.wxbot', 'dev-session.json');
const count = (hay: string, needle: string) => hay.split(needle).length - 1;

test('serve with a generated Token hands it to a bare `wxbot simulate text 你好`; SIGTERM removes the file', async (t) => {
  const cwd = tempDir();
  const s = await runServe([], { cwd });
  t.after(() => s.stop('SIGKILL'));

  const saved = JSON.parse(readFileSync(sessionFile(cwd), 'utf8')) as {
    token: string;
    url: string;
    pid: number;
    startedAt: string;
  };
  assert.equal(saved.pid, s.child.pid);
  assert.equal(saved.url, s.url, 'the real listening URL, path included');
  assert.match(saved.token, /^[A-Za-z0-9]{32}$/);
  assert.ok(!Number.isNaN(Date.parse(saved.startedAt)));
  if (process.platform !== 'win32') assert.equal(statSync(sessionFile(cwd)).mode & 0o777, 0o600);

  const banner = s.stderr();
  assert.equal(count(banner, saved.token), 1, 'the generated Token is printed in full exactly once');
  assert.match(banner, /generated for this run; saved for wxbot simulate in \.wxbot\/dev-session\.json/);
  assert.match(banner, /Next\s+wxbot simulate text 你好\s+#/, 'the hint is the bare command');
  assert.doesNotMatch(banner, /--token/);

  const r = await wxbot(['simulate', 'text', '你好'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /你好！发送「帮助」看看我能做什么/);
  assert.match(r.stdout, /WeChat would accept this reply/);

  // The session's URL is only a default: an explicit port still wins (and nothing listens on port 1).
  const elsewhere = await wxbot(['simulate', 'text', '你好'], { cwd, env: { WXBOT_PORT: '1' } });
  assert.equal(elsewhere.code, 3, elsewhere.stderr);
  assert.match(elsewhere.stderr, /127\.0\.0\.1:1\/wechat/);

  // replay resolves the Token the same way and sends to the server that owns it.
  const replay = await wxbot(['replay', '--json'], { cwd });
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /你好！发送「帮助」/);

  assert.equal(count(s.stdout(), saved.token), 0, 'the Token never reaches the request log');
  assert.equal(count(readFileSync(join(cwd, '.wxbot', 'history.ndjson'), 'utf8'), saved.token), 0, 'nor the history');

  assert.equal(await s.stop('SIGTERM'), 0);
  assert.ok(!existsSync(sessionFile(cwd)), 'clean shutdown removes the session');
  const after = await wxbot(['simulate', 'text', '你好'], { cwd });
  assert.equal(after.code, 2);
  assert.match(after.stderr, /no Token: start `wxbot serve` in this directory.*or pass --token \/ set WECHAT_TOKEN/);
});

test('a second serve in the same directory takes the session over while it runs, then hands it back', async (t) => {
  const cwd = tempDir();
  const first = await runServe([], { cwd });
  t.after(() => first.stop('SIGKILL'));
  const second = await runServe([], { cwd });
  t.after(() => second.stop('SIGKILL'));
  assert.match(
    second.stderr(),
    new RegExp(
      `another wxbot serve runs in this directory \\(pid ${first.child.pid}, ${first.url}\\): wxbot simulate here talks to this one`,
    ),
  );
  const session = () => JSON.parse(readFileSync(sessionFile(cwd), 'utf8')) as { url: string; pid: number };
  assert.equal(session().url, second.url);
  const toSecond = await wxbot(['simulate', 'text', '你好', '--json'], { cwd });
  assert.equal(toSecond.code, 0, toSecond.stderr);
  assert.equal((JSON.parse(toSecond.stdout) as { request: { url: string } }).request.url.split('?')[0], second.url);

  assert.equal(await second.stop('SIGTERM'), 0);
  const back = session();
  assert.deepEqual([back.url, back.pid], [first.url, first.child.pid], 'handed back to the first');
  const toFirst = await wxbot(['simulate', 'text', '你好'], { cwd });
  assert.equal(toFirst.code, 0, toFirst.stderr);

  assert.equal(await first.stop('SIGTERM'), 0);
  assert.ok(!existsSync(sessionFile(cwd)), 'the last one to stop leaves no session');
});

test('a session left by a process that has ended is ignored and removed', async () => {
  const cwd = tempDir();
  mkdirSync(join(cwd, '.wxbot'), { mode: 0o700 });
  // A pid far above any default pid_max, so certainly not running.
  writeFileSync(
    sessionFile(cwd),
    JSON.stringify({
      token: 'staleToken123',
      url: 'http://127.0.0.1:1/wechat',
      pid: 2 ** 30,
      startedAt: new Date().toISOString(),
    }),
  );
  const r = await wxbot(['simulate', 'text', '你好'], { cwd });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no Token: start `wxbot serve` in this directory/);
  assert.ok(!existsSync(sessionFile(cwd)));
});

test('a configured Token is not written anywhere and stays masked; the hint carries the URL a bare simulate would miss', async (t) => {
  const cwd = tempDir();
  writeFileSync(join(cwd, '.env'), 'WECHAT_TOKEN=configuredToken42\n');
  const s = await runServe([], { cwd });
  t.after(() => s.stop('SIGKILL'));
  assert.ok(!existsSync(sessionFile(cwd)));
  assert.ok(!s.stderr().includes('configuredToken42'));
  // No dev session to read the URL from, and --port 0 is not simulate's default 5050.
  const hint = /Next\s+(wxbot simulate text 你好 .*?)\s+#/.exec(s.stderr())?.[1];
  assert.equal(hint, `wxbot simulate text 你好 --url ${s.url}`);
  const r = await wxbot(hint.split(' ').slice(1), { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /WeChat would accept this reply/);
});
