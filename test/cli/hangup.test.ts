/**
 * SIGHUP (the terminal closed, or `kill -HUP`) shuts the long-running commands down like SIGTERM;
 * `wxbot serve`: requests drained,
 * the request log and the history flushed, .wxbot/dev-session.json removed, exit 0. After a real
 * hang-up every write to the terminal fails (EIO): neither that nor Node's exit may crash it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type TestContext, test } from 'node:test';
import { requireProgram } from '../helpers/system.js';
import { until } from '../helpers/until.js';
import { push, textXml } from '../server/client.js';
import { BIN, cleanEnv, ROOT, runServe, tempDir } from './serve-child.js';
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
const LIB = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
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

// The CLI's start-up under a full test run can take several seconds: more than until()'s default.
const SLOW_START_MS = 15_000;

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
  await until('the banner', () => (/URL\s+http/.test(err) ? true : undefined), SLOW_START_MS);
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
    await until('the dev session', () => (existsSync(sessionFile(cwd)) ? true : undefined), SLOW_START_MS);
    await until('the banner', () => (/Next\s+wxbot simulate/.test(screen) ? true : undefined), SLOW_START_MS);
    await say(cwd, 'before the hang-up');
    term.kill('SIGKILL'); // the terminal window is closed
    const exit = await until(
      'serve to end',
      () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8') : undefined),
      SLOW_START_MS,
    );
    assert.deepEqual(JSON.parse(exit), { code: 0, signal: null });
    assert.ok(!existsSync(sessionFile(cwd)));
    assert.match(historyText(cwd), /"before the hang-up"/);
  },
);

/** A bot whose answer takes 1.5 s (within the deadline): the request is in flight when the signals come. */
function slowBot(cwd: string): void {
  const started = join(cwd, 'started');
  writeFileSync(
    join(cwd, 'bot.mjs'),
    `import { writeFileSync } from 'node:fs';
import { createBot } from '${LIB}';
export default createBot().fallback(async () => {
  writeFileSync(${JSON.stringify(started)}, '');
  await new Promise((r) => setTimeout(r, 1500));
  return 'worth the wait';
});
`,
  );
}

/** Sends a slow message, and once the bot works on it sends `first` then (once handled) `second`. */
async function signalsDuringRequest(t: TestContext, first: NodeJS.Signals, second: NodeJS.Signals) {
  const cwd = workDir(t);
  slowBot(cwd);
  const s = await runServe(['bot.mjs'], { cwd });
  t.after(() => s.stop('SIGKILL'));
  const { token, url } = readSession(cwd);
  const answer = push(url, textXml('take your time'), 'plain', { token });
  answer.catch(() => undefined);
  await until('the bot at work', () => (existsSync(join(cwd, 'started')) ? true : undefined), SLOW_START_MS);
  s.child.kill(first);
  await until(
    'the first signal handled',
    () => (/finishing in-flight requests/.test(s.stderr()) ? true : undefined),
    SLOW_START_MS,
  );
  s.child.kill(second);
  return { s, cwd, answer, code: await s.exited };
}

// Closing a terminal sends SIGHUP twice a few ms apart (the shell forwards it to its job, then the
// kernel sends it again as the shell exits): the second is no "stop now".
test('SIGHUP twice (the terminal closed) during a request: the request is answered and kept, exit 0', async (t) => {
  const { s, cwd, answer, code } = await signalsDuringRequest(t, 'SIGHUP', 'SIGHUP');
  assert.equal(code, 0, s.stderr());
  const r = await answer;
  assert.equal(r.status, 200);
  assert.match(r.body, /worth the wait/);
  assert.match(historyText(cwd), /"take your time"/);
  assert.ok(!existsSync(sessionFile(cwd)));
});

test('Ctrl-C, then the terminal closed (SIGHUP): the shutdown Ctrl-C started still finishes, exit 0', async (t) => {
  const { s, answer, code } = await signalsDuringRequest(t, 'SIGINT', 'SIGHUP');
  assert.equal(code, 0, s.stderr());
  assert.match((await answer).body, /worth the wait/);
});

test('Ctrl-C twice: stops at once, exit 130', async (t) => {
  const { s, code } = await signalsDuringRequest(t, 'SIGINT', 'SIGINT');
  assert.equal(code, 130, s.stderr());
});
