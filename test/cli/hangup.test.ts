/**
 * SIGHUP (the terminal closed, or `kill -HUP`) shuts the long-running commands down like SIGTERM;
 * `wxbot serve`: requests drained,
 * the request log and the history flushed, .wxbot/dev-session.json removed, exit 0. After a real
 * hang-up every write to the terminal fails (EIO): neither that nor Node's exit may crash it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { requireProgram } from '../helpers/system.js';
import { push, textXml } from '../server/client.js';
import { BIN, cleanEnv, runServe, tempDir } from './serve-child.js';
import { runWxbot } from './tunnel-child.js';

/** A fresh working directory, removed after the test. */
function workDir(t: TestContext): string {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const sessionFile = (cwd: string) => join(cwd, '.wxbot', 'dev-session.json');
const historyText = (cwd: string) => readFileSync(join(cwd, '.wxbot', 'history.ndjson'), 'utf8');
const readSession = (cwd: string) =>
  JSON.parse(readFileSync(sessionFile(cwd), 'utf8')) as { token: string; url: string };
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('wxbot ui: SIGHUP closes it like Ctrl-C, exit 0', async (t) => {
  const c = runWxbot(['ui', '--url', 'http://127.0.0.1:9/wechat', '--token', 'abc123', '--ui-port', '0'], {
    cwd: workDir(t),
  });
  t.after(() => c.kill('SIGKILL'));
  await c.waitFor(/Open\s+http:\/\/127\.0\.0\.1:\d+/);
  c.kill('SIGHUP');
  assert.deepEqual(await c.exited, { code: 0, signal: null });
});

async function until<T>(what: string, get: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends one text with the Token the server generated (found, as `wxbot simulate` finds it, in the dev session). */
async function say(cwd: string, text: string): Promise<void> {
  const { token, url } = readSession(cwd);
  const r = await push(url, textXml(text), 'plain', { token });
  assert.equal(r.status, 200);
}

test('kill -HUP: the last request is in the log and the history, the dev session is removed, exit 0', async (t) => {
  const cwd = workDir(t);
  const s = await runServe([], { cwd });
  t.after(() => s.stop('SIGKILL'));
  assert.ok(existsSync(sessionFile(cwd)));
  await say(cwd, 'last words');
  assert.equal(await s.stop('SIGHUP'), 0, s.stderr());
  assert.match(s.stderr(), /SIGHUP: finishing in-flight requests/);
  assert.match(s.stdout(), /text "last words"/, 'the last batch of the request log is written');
  assert.match(historyText(cwd), /"last words"/);
  assert.ok(!existsSync(sessionFile(cwd)), 'no dev session left to steer `wxbot simulate` to a dead server');
});

test('SIGHUP with stderr gone (EPIPE on every write): no crash, the cleanup is done, exit 0', async (t) => {
  const cwd = workDir(t);
  const logFile = join(cwd, 'requests.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', fd, 'pipe'],
  });
  closeSync(fd);
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await until('the banner', () => (/URL\s+http/.test(err) ? true : undefined));
  await say(cwd, 'into the void');
  child.stderr!.destroy(); // the reader of stderr goes away, as a terminal does when it is closed
  child.kill('SIGHUP');
  assert.equal(await exited, 0);
  assert.ok(!existsSync(sessionFile(cwd)));
  assert.match(readFileSync(logFile, 'utf8'), /text "into the void"/);
  assert.match(historyText(cwd), /"into the void"/);
});

/**
 * The real hang-up: `wxbot serve` on a pseudo-terminal (`script`) under a stand-in for the user's
 * shell, which forwards SIGHUP to its job as an interactive shell does and notes how the job ended.
 * Killing `script` closes the terminal.
 */
const SHELL = `
const { spawn } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const [exitFile, ...args] = process.argv.slice(1);
const job = spawn(process.execPath, args, { stdio: 'inherit' });
process.on('SIGHUP', () => job.kill('SIGHUP'));
job.on('exit', (code, signal) => {
  writeFileSync(exitFile, JSON.stringify({ code, signal }));
  process.kill(process.pid, 'SIGKILL');
});`;

test(
  'the terminal closes (EIO on every write): exit 0, no abort, the dev session removed, the history kept',
  requireProgram('script', { install: 'apt-get install bsdutils' }),
  async (t) => {
    const cwd = workDir(t);
    const exitFile = join(cwd, 'exit.json');
    const line = [process.execPath, '-e', SHELL, exitFile, BIN, 'serve', '--host', '127.0.0.1', '--port', '0'];
    const term = spawn('script', ['-qfc', `exec ${line.map(shq).join(' ')}`, '/dev/null'], {
      cwd,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => term.kill('SIGKILL'));
    let screen = '';
    term.stdout!.on('data', (d) => (screen += d));
    await until('the dev session', () => (existsSync(sessionFile(cwd)) ? true : undefined));
    await until('the banner', () => (/Next\s+wxbot simulate/.test(screen) ? true : undefined));
    await say(cwd, 'before the hang-up');
    term.kill('SIGKILL'); // the terminal window is closed
    const exit = await until('serve to end', () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8') : undefined));
    assert.deepEqual(JSON.parse(exit), { code: 0, signal: null });
    assert.ok(!existsSync(sessionFile(cwd)));
    assert.match(historyText(cwd), /"before the hang-up"/);
  },
);
