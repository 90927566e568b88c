// The deployment files of docs/deploy/, run as written: the systemd unit's ExecStart with its environment
// file, and the pm2 ecosystem file's app, each in a working directory laid out as the docs say
// (node_modules/wxbot, bot.mjs). Neither systemd nor pm2 runs here; what they would start does: it
// must listen, answer /healthz, answer a signed push with the configured secrets and a Redis store,
// log JSON lines without secrets, and stop cleanly on the signal and within the time the file allows.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, requireRedis, startTestRedis, type TestRedis } from '../fakes/redis.js';
import { http, push, replyText, textXml, type Account, type Mode } from '../server/client.js';
import { blockAfter } from './extract.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** [Section] → key → value of a systemd unit (one value per key is all the documented unit uses). */
function unitFile(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = /^\[(\w+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      out[section] = {};
    } else {
      const eq = line.indexOf('=');
      out[section]![line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

/** A working directory as the docs lay it out: wxbot installed, a bot module next to it. */
function workingDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-deploy-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wxbot'), 'dir');
  writeFileSync(
    join(dir, 'bot.mjs'),
    "import { createBot } from 'wxbot';\nexport default createBot().text('ping', () => 'pong');\n",
  );
  return dir;
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function run(argv: string[], env: Record<string, string>, cwd: string): Running {
  // Nothing from the test's own environment but PATH/HOME: the files must carry the settings.
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

async function healthy(port: number, r: Running): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode}:\n${r.stderr()}`);
    const res = await http(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > until) throw new Error(`no /healthz within 15 s:\n${r.stderr()}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** Sends the signal and resolves with the exit code, failing past `withinMs`. */
async function stop(r: Running, signal: NodeJS.Signals, withinMs: number): Promise<number | null> {
  const t0 = Date.now();
  const exited = new Promise<number | null>((ok) => r.child.once('exit', (code) => ok(code)));
  r.child.kill(signal);
  const code = await Promise.race([
    exited,
    new Promise<'late'>((ok) => setTimeout(() => ok('late'), withinMs).unref()),
  ]);
  if (code === 'late') {
    r.child.kill('SIGKILL');
    assert.fail(`still running ${withinMs} ms after ${signal}`);
  }
  assert.ok(Date.now() - t0 < withinMs);
  return code;
}

async function answersAndLogs(port: number, r: Running, acct: Account, mode: Mode, secrets: string[]): Promise<void> {
  const res = await push(`http://127.0.0.1:${port}/wechat`, textXml('ping'), mode, acct);
  assert.equal(res.status, 200, res.body);
  assert.equal(replyText(res), 'pong');
  // --log-format json: one JSON object per line, the push among them, no secret anywhere.
  await new Promise((ok) => setTimeout(ok, 100));
  const lines = r.stdout().trim().split('\n').filter(Boolean);
  assert.ok(lines.length >= 1, `a request log line on stdout; stderr:\n${r.stderr()}`);
  const records = lines.map((l) => JSON.parse(l) as { type: string; status?: number; mode?: string });
  assert.ok(records.some((x) => x.type === 'request' && x.status === 200 && x.mode === mode));
  for (const s of secrets) {
    assert.ok(!r.stdout().includes(s) && !r.stderr().includes(s), 'no secret in the output');
  }
}

describe('documented deployment files', requireRedis(), () => {
  let redis: TestRedis;
  const dirs: string[] = [];
  before(async () => {
    redis = await startTestRedis(7);
  });
  after(async () => {
    await redis.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('the systemd unit: ExecStart with the environment file serves, answers safe mode through Redis, stops on SIGTERM in time', async () => {
    const env = envFile(blockAfter('`/etc/wxbot/bot.env`', 'sh'));
    const unit = unitFile(blockAfter('`/etc/systemd/system/wxbot@.service`', 'ini'));
    const service = unit.Service!;
    assert.equal(service.EnvironmentFile, '/etc/wxbot/bot.env');
    assert.equal(service.KillSignal, 'SIGTERM');
    const stopSec = Number(/^(\d+)$/.exec(service.TimeoutStopSec ?? '')?.[1]);
    assert.ok(stopSec > 0 && stopSec <= 30, 'TimeoutStopSec in seconds');
    assert.ok(env.WECHAT_TOKEN && env.WECHAT_AES_KEY && env.WECHAT_APP_ID, 'the environment file sets the account');
    assert.equal(env.REDIS_URL?.startsWith('redis://'), true);

    const argv = service.ExecStart!.split(/\s+/);
    assert.equal(argv[0], '/usr/bin/node');
    assert.equal(argv[1], 'node_modules/wxbot/bin/wxbot.js');
    const port = await freePort();
    // This machine's node for /usr/bin/node; the instance name (%i) is the port; Redis is the test's.
    const cmd = [process.execPath, ...argv.slice(1).map((a) => a.replace('%i', String(port)))];
    const cwd = workingDirectory();
    dirs.push(cwd);
    const r = run(cmd, { ...env, REDIS_URL: redis.url }, cwd);
    await healthy(port, r);
    await answersAndLogs(
      port,
      r,
      { token: env.WECHAT_TOKEN!, aesKey: env.WECHAT_AES_KEY!, appId: env.WECHAT_APP_ID! },
      'safe',
      [env.WECHAT_TOKEN!, env.WECHAT_AES_KEY!],
    );
    assert.equal(await stop(r, 'SIGTERM', stopSec * 1000), 0);
  });

  test('the pm2 ecosystem file: two fork-mode apps on their own ports; the first serves with secrets from .env and stops within kill_timeout', async () => {
    const cwd = workingDirectory();
    dirs.push(cwd);
    writeFileSync(join(cwd, 'ecosystem.config.cjs'), blockAfter('`ecosystem.config.cjs`:', 'js'));
    const { apps } = createRequire(join(cwd, 'x.cjs'))('./ecosystem.config.cjs') as {
      apps: {
        name: string;
        script: string;
        args: string;
        exec_mode: string;
        env: Record<string, string>;
        kill_timeout: number;
      }[];
    };
    assert.equal(apps.length, 2);
    assert.deepEqual(
      apps.map((a) => a.exec_mode),
      ['fork', 'fork'],
    );
    const ports = apps.map((a) => /--port (\d+)/.exec(a.args)?.[1]);
    assert.equal(new Set(ports).size, 2, 'each app on a port of its own');

    const app = apps[0]!;
    const token = `pm2token${randomBytes(4).toString('hex')}`;
    // "secrets: keep them in .env in the working directory (wxbot reads it)".
    writeFileSync(join(cwd, '.env'), `WECHAT_TOKEN=${token}\n`);
    const port = await freePort();
    const args = app.args.replace(/--port \d+/, `--port ${port}`).split(' ');
    const r = run([process.execPath, app.script, ...args], { ...app.env, REDIS_URL: redis.url }, cwd);
    await healthy(port, r);
    await answersAndLogs(port, r, { token }, 'plain', [token]);
    // pm2 stops an app with SIGINT, then SIGKILL after kill_timeout.
    assert.equal(await stop(r, 'SIGINT', app.kill_timeout), 0);
  });
});
