// Settings that cannot be used stop the command with exit 2 and a message naming the setting (the
// flag, the variable or the .env path and line), as real `wxbot` processes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { requireRedis, startTestRedis } from '../fakes/redis.js';
import { wxbot } from './conventions-world.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A scratch directory with `.env` holding `dotenv` (a directory named .env when `dotenv` is 'dir'). */
function project(dotenv?: string | 'dir'): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-config-'));
  dirs.push(dir);
  if (dotenv === 'dir') mkdirSync(join(dir, '.env'));
  else if (dotenv !== undefined) writeFileSync(join(dir, '.env'), dotenv);
  return dir;
}

interface Case {
  args: string[];
  env?: Record<string, string>;
  dotenv?: string;
  /** What stderr must say (the setting's name first of all). */
  says: RegExp;
}

const SERVE = ['serve', '--host', '127.0.0.1', '--no-history'];

/** Runs every case at once; what went wrong, one entry per miss (none when all behave). */
async function misses(cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  await Promise.all(
    cases.map(async (c) => {
      const r = await wxbot(c.args, { cwd: project(c.dotenv), env: c.env });
      const name = `wxbot ${c.args.join(' ')} ${JSON.stringify(c.env ?? c.dotenv ?? '')}`;
      if (r.code !== 2) failures.push(`${name}: exit ${r.code}, expected 2\n  ${r.stderr.trim()}`);
      if (!c.says.test(r.stderr)) failures.push(`${name}: stderr does not match ${c.says}:\n  ${r.stderr.trim()}`);
      if (/\bat \S+:\d+:\d+|TypeError|RangeError/.test(r.stderr)) failures.push(`${name}: a stack trace: ${r.stderr}`);
    }),
  );
  return failures;
}

test('each unusable setting: exit 2 with a message naming it, before anything listens', async () => {
  const cases: Case[] = [
    { args: [...SERVE, '--port', '0x50'], says: /--port must be a whole number from 0 to 65535.*"0x50"/ },
    { args: [...SERVE, '--port', '1e3'], says: /--port must be .*"1e3"/ },
    { args: [...SERVE, '--port', ' 80'], says: /--port must be .*" 80"/ },
    { args: [...SERVE, '--port', ''], says: /--port must be .*""/ },
    { args: SERVE, env: { WXBOT_PORT: '0x50' }, says: /WXBOT_PORT must be/ },
    { args: SERVE, dotenv: 'PORT=1e3\n', says: /PORT must be .*"1e3"/ },
    { args: [...SERVE, '--port', '0', '--max-skew', '3e2'], says: /--max-skew must be/ },
    // The webhook path is matched as sent: one no request can match would answer every push with 404.
    {
      args: [...SERVE, '--port', '0', '--path', '/we chat'],
      says: /the webhook path \(--path\) must be a \/ followed by letters, digits.*no spaces, \?, #.*got "\/we chat"/,
    },
    { args: [...SERVE, '--port', '0', '--path', 'wx?a=1'], says: /webhook path \(--path\) must be .*got "wx\?a=1"/ },
    { args: [...SERVE, '--port', '0'], env: { WXBOT_PATH: '/微信' }, says: /webhook path \(WXBOT_PATH\) must be/ },
    { args: [...SERVE, '--port', '0'], dotenv: 'WXBOT_PATH="/wx a"\n', says: /webhook path \(WXBOT_PATH\) must be/ },
    {
      args: ['tunnel', '--to', '47453', '--path', '/we chat', '--token', 'abc123'],
      says: /webhook path \(--path\) must be/,
    },
    {
      args: [...SERVE, '--port', '0', '--app-id', 'not an id'],
      says: /--app-id must be an AppID .*wx followed by 16 hex/,
    },
    { args: [...SERVE, '--port', '0'], env: { WECHAT_APP_ID: 'wx123' }, says: /WECHAT_APP_ID must be an AppID/ },
    { args: ['simulate', 'text', 'hi', '--app-id', 'nope', '--token', 'abc123'], says: /--app-id must be an AppID/ },
    {
      // `wxbot keys >> .env` alone: a key with no AppID says both ways out.
      args: [...SERVE, '--port', '0'],
      dotenv: 'WECHAT_TOKEN=abc123\nWECHAT_AES_KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n',
      says: /EncodingAESKey needs the AppID too.*Add WECHAT_APP_ID=.*or remove WECHAT_AES_KEY if you only use 明文模式/,
    },
    {
      args: [...SERVE, '--port', '0', '--redis', 'http://127.0.0.1:6379/0'],
      says: /--redis: not a Redis URL.*scheme is http/,
    },
    {
      args: [...SERVE, '--port', '0'],
      env: { REDIS_URL: 'redis://127.0.0.1:6379/one' },
      says: /REDIS_URL: the database .* must be a number/,
    },
    {
      args: [...SERVE, '--port', '0'],
      dotenv: 'WECHAT_TOKEN abc123\nWXBOT_PORT=0\n',
      says: /\.env line 1: expected NAME=value/,
    },
    {
      args: ['sign', '--token', 'abc123'],
      dotenv: 'A=1\nB="never closed\n',
      says: /\.env line 2: the value opens with "/,
    },
  ];
  assert.deepEqual(await misses(cases), []);
});

test('a Redis URL naming a database the server does not have: exit 2 naming the setting', requireRedis(), async (t) => {
  const redis = await startTestRedis(3);
  t.after(() => redis.stop());
  const dbOutOfRange = new URL(redis.url);
  dbOutOfRange.pathname = '/99';
  const cases: Case[] = [
    {
      args: [...SERVE, '--port', '0', '--redis', dbOutOfRange.toString()],
      says: /--redis \/ REDIS_URL: .*has no database 99/,
    },
  ];
  assert.deepEqual(await misses(cases), []);
});

test('an unreadable .env is an error with its path (not ignored, which would run with a generated Token)', async () => {
  const dir = project('dir');
  for (const args of [
    [...SERVE, '--port', '0'],
    ['sign', '--token', 'abc123'],
    ['chat', 'hi'],
  ]) {
    const r = await wxbot(args, { cwd: dir });
    assert.equal(r.code, 2, `wxbot ${args.join(' ')}: ${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(`cannot read ${join(dir, '.env').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is a directory`),
    );
  }
});
