// One masking rule for every output: each configured secret (Token, EncodingAESKey, AppSecret, a
// provider API key, the Redis password) fed through each output of real `wxbot` processes (the
// request log in both formats, the history, --json results, error messages and bodies, /healthz)
// comes out as [redacted], including inside message content and replies.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { FAKE_OPENAI_KEY, FAKE_OPENAI_MODEL, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { freePort, requireRedis, waitForPort } from '../fakes/redis.js';
import { http, push, textXml, type Account } from '../server/client.js';
import { BIN, cleanEnv, wxbot } from './simulate-helpers.js';

const ACCT: Required<Account> = {
  token: 'MaskTok3nFeedsEveryOutput42',
  aesKey: 'MaskKeyabcdefghijklmnopqrstuvwxyz0123456789'.slice(0, 43),
  appId: 'wx00aa11bb22cc33dd',
};
const APP_SECRET = 'appsecret0123456789abcdef0123456';
const REDIS_PASSWORD = 'redis-pw-Zq8"Lx\\9';
/** The secrets a serve without Redis is given; the Redis password joins them when REDIS_URL has one. */
const CORE = {
  token: ACCT.token,
  aesKey: ACCT.aesKey,
  appSecret: APP_SECRET,
  apiKey: FAKE_OPENAI_KEY,
};
const SECRETS = { ...CORE, redis: REDIS_PASSWORD };
const ALL = Object.values(SECRETS).join(' ');
/** A Redis URL with the password that nothing listens on: enough for the commands that do not connect. */
const UNREACHABLE_REDIS = `redis://:${encodeURIComponent(REDIS_PASSWORD)}@127.0.0.1:1/0`;

const BOT = `export default {
  handle() {},
  use() {},
  async run(m) {
    if (m.Content?.startsWith('throw')) throw new Error('failed on ' + m.Content);
    return m.Content ? { MsgType: 'text', Content: 'echo ' + m.Content } : undefined;
  },
};
`;

let dir: string;
let openai: FakeOpenAI;
interface Served {
  child: ChildProcess;
  url: string;
  out: () => string;
  err: () => string;
}
const servers: Served[] = [];

/** The names of the secrets (of `secrets`) that `text` shows, as is or JSON-escaped. */
function leaks(text: string, secrets: Record<string, string> = SECRETS): string[] {
  return Object.entries(secrets)
    .filter(([, s]) => text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1)))
    .map(([name]) => name);
}

function env(redisUrl?: string): Record<string, string> {
  return {
    WECHAT_TOKEN: ACCT.token,
    WECHAT_AES_KEY: ACCT.aesKey,
    WECHAT_APP_ID: ACCT.appId,
    WECHAT_APP_SECRET: APP_SECRET,
    OPENAI_API_KEY: FAKE_OPENAI_KEY,
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_MODEL: FAKE_OPENAI_MODEL,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
}

function serve(
  format: 'pretty' | 'json',
  cwd: string,
  redisUrl?: string,
  extra: Record<string, string> = {},
): Promise<Served> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', 'bot.mjs', '--port', '0', '--host', '127.0.0.1', '--log-format', format],
    { cwd, env: cleanEnv({ ...env(redisUrl), ...extra }), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /URL\s+(http:\/\/\S+)/.exec(err);
      if (m && !servers.some((s) => s.child === child)) {
        clearTimeout(timer);
        const s = { child, url: m[1]!, out: () => out, err: () => err };
        servers.push(s);
        resolve(s);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${err}`)));
  });
}

/** A project directory of its own (its history holds only what its servers saw). */
function project(): string {
  const p = mkdtempSync(join(dir, 'project-'));
  writeFileSync(join(p, 'bot.mjs'), BOT);
  return p;
}

/** A redis-server of this test's own that wants REDIS_PASSWORD; its URL carries it. */
async function redisWithPassword(t: TestContext): Promise<string> {
  const port = await freePort();
  const data = mkdtempSync(join(dir, 'redis-'));
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'].concat([
      '--requirepass',
      REDIS_PASSWORD,
      '--dir',
      data,
    ]),
    { stdio: 'ignore' },
  );
  t.after(() => redis.kill('SIGKILL'));
  await waitForPort(port, '127.0.0.1', 5_000);
  return `redis://:${encodeURIComponent(REDIS_PASSWORD)}@127.0.0.1:${port}/0`;
}

/**
 * Feeds every secret to a pretty and a json `wxbot serve` in `cwd` (a message, a reply, an error, a
 * refused request) and checks that none of `secrets` shows in their outputs, /healthz or the history.
 */
async function servedOutputsMasked(cwd: string, secrets: Record<string, string>, redisUrl?: string): Promise<void> {
  const [pretty, json] = await Promise.all([serve('pretty', cwd, redisUrl), serve('json', cwd, redisUrl)]);
  for (const s of [pretty, json]) {
    const r = await push(s.url, textXml(`say ${ALL}`), 'plain', ACCT);
    assert.equal(r.status, 200);
    const t = await push(s.url, textXml(`throw ${ALL}`), 'safe', ACCT);
    assert.equal(t.status, 200);
    // Error bodies: a secret in the query or the body of a refused request is not sent back.
    for (const query of [
      `signature=${ACCT.token}&timestamp=1&nonce=${APP_SECRET}`,
      `echostr=${ACCT.aesKey}&signature=x&timestamp=1&nonce=1`,
    ]) {
      const bad = await http(`${s.url}?${query}`, { method: 'POST', body: textXml(ALL) });
      assert.ok(bad.status >= 400);
      assert.deepEqual(leaks(bad.body, secrets), [], `error body ${bad.body}`);
    }
    const health = await http(`${new URL(s.url).origin}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(leaks(health.body, secrets), []);
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const s of [pretty, json]) {
    assert.match(s.out(), /\[redacted\]/);
    assert.deepEqual(leaks(s.out(), secrets), [], `request log:\n${s.out()}`);
    assert.deepEqual(leaks(s.err(), secrets), [], `stderr:\n${s.err()}`);
  }
  const history = await wxbot(['history', '--json'], { cwd, env: env(redisUrl) });
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /\[redacted\]/);
  assert.deepEqual(leaks(history.stdout, secrets), []);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxbot-mask-'));
  openai = await startFakeOpenAI();
});

after(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await openai?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('each secret in a message, a reply and an error: masked in the request log (pretty and json), history and /healthz', async () => {
  // The Redis password is in the message too, but this serve has no Redis: it is not a secret here.
  await servedOutputsMasked(project(), CORE);
});

test('with a password-protected Redis, its password too', requireRedis(), async (t) => {
  await servedOutputsMasked(project(), SECRETS, await redisWithPassword(t));
});

test('each secret in a --json result and an error message of the CLI: masked', async () => {
  const cwd = project();
  const s = servers[0] ?? (await serve('pretty', cwd));
  // REDIS_URL names a server nobody runs: simulate and chat do not connect, but mask its password.
  const sim = await wxbot(['simulate', 'text', `say ${ALL}`, '--url', s.url, '--json'], {
    cwd,
    env: env(UNREACHABLE_REDIS),
  });
  assert.equal(sim.code, 0, sim.stderr);
  assert.match(sim.stdout, /\[redacted\]/);
  assert.deepEqual(leaks(sim.stdout + sim.stderr), []);
  // A provider that echoes the caller's key in its error body.
  const chat = await wxbot(['chat', '--provider', 'openai', '--json', '#echo-key'], {
    cwd,
    env: env(UNREACHABLE_REDIS),
  });
  assert.equal(chat.code, 1, chat.stderr);
  assert.deepEqual(leaks(chat.stdout + chat.stderr), [], chat.stdout);
  // An error message quoting a secret (a Redis URL the server cannot use).
  const bad = await wxbot(['serve', '--port', '0', '--redis', UNREACHABLE_REDIS], { cwd, env: env() });
  assert.notEqual(bad.code, 0);
  assert.deepEqual(leaks(bad.stdout + bad.stderr), [], bad.stderr);
});

test('a short Token (abc123, as the docs show) is masked by the one-shot commands as by serve, from the environment or .env', async () => {
  const SHORT = 'abc123';
  // A failing turn: `wxbot test` prints the actual reply (the echo of the Token).
  const cwd = project();
  writeFileSync(join(cwd, 'short.convo'), `> ${SHORT}\n< something else\n`);
  const s = await serve('pretty', cwd);
  const token = { token: SHORT };
  const envToken = { ...env(), WECHAT_TOKEN: SHORT };
  const dotenvCwd = project();
  writeFileSync(join(dotenvCwd, '.env'), `WECHAT_TOKEN=${SHORT}\n`);
  writeFileSync(join(dotenvCwd, 'short.convo'), `> ${SHORT}\n< something else\n`);
  for (const [where, runIn, runEnv] of [
    ['environment', cwd, envToken],
    ['.env', dotenvCwd, {}],
  ] as const) {
    for (const args of [
      ['simulate', 'text', SHORT, '--url', s.url, '--token', ACCT.token],
      ['simulate', 'text', SHORT, '--url', s.url, '--token', ACCT.token, '--json'],
      ['test', 'short.convo', '--bot', 'bot.mjs'],
    ]) {
      const r = await wxbot(args, { cwd: runIn, env: runEnv });
      assert.match(r.stdout, /\[redacted\]/, `${args.join(' ')} (${where}):\n${r.stdout}${r.stderr}`);
      assert.deepEqual(leaks(r.stdout + r.stderr, token), [], `${args.join(' ')} (${where}):\n${r.stdout}`);
    }
  }
  // serve's own log masks it as well when it is its Token.
  const short = await serve('pretty', cwd, undefined, { WECHAT_TOKEN: SHORT });
  const r = await wxbot(['simulate', 'text', SHORT, '--url', short.url], { cwd, env: envToken });
  assert.equal(r.code, 0, r.stderr);
  await new Promise((done) => setTimeout(done, 300));
  assert.match(short.out(), /\[redacted\]/);
  assert.deepEqual(leaks(short.out() + r.stdout, token), [], short.out());
});
