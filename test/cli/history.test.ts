import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runWxbot, type Child } from './tunnel-child.js';

const TOKEN = 'HistTok3n0123456789abcdefABCDEFG';
const AES = 'ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlk0';
const APPID = 'wxfedcba0987654321';
const PAYMENT_KEY = 'pk_live_0123456789abcdefSECRET';
const DIST = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href;

let cwd: string;
let serve: Child;
let url: string;

async function run(
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const c = runWxbot(args, { cwd, env });
  const { code } = await c.exited;
  return { code, out: c.stdout(), err: c.stderr() };
}

before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'wxbot-history-'));
  // Settings from .env, as a user would have them: serve, simulate, history and replay all read it.
  await writeFile(join(cwd, '.env'), `WECHAT_TOKEN=${TOKEN}\nWECHAT_AES_KEY=${AES}\nWECHAT_APP_ID=${APPID}\n`);
  await writeFile(
    join(cwd, 'bot.mjs'),
    `import { createBot } from ${JSON.stringify(DIST)};
const bot = createBot();
bot.text('你好', () => '你好，我记住了');
// A careless bot that echoes a credential from its environment: history must still not keep it.
bot.text('leak', () => 'the key is ' + process.env.PAYMENT_API_KEY);
bot.event('subscribe', () => '欢迎');
bot.fallback((ctx) => 'echo: ' + (ctx.text ?? ''));
export default bot;
`,
  );
  serve = runWxbot(['serve', 'bot.mjs', '--port', '0', '--host', '127.0.0.1'], {
    cwd,
    env: { PAYMENT_API_KEY: PAYMENT_KEY },
  });
  url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
});

after(async () => {
  serve.kill('SIGKILL');
  await serve.exited;
  await rm(cwd, { recursive: true, force: true });
});

interface Entry {
  id: number;
  mode: string;
  msgType?: string;
  event?: string;
  content?: string;
  status: number;
  reply: string | null;
  server?: string;
}

async function history(): Promise<Entry[]> {
  const r = await run(['history', '--json']);
  assert.equal(r.code, 0, r.err);
  return r.out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Entry);
}

test('messages sent through wxbot serve are listed, replayed with the same reply, and nothing secret is kept', async () => {
  for (const args of [
    ['text', '你好'],
    ['event', 'subscribe'],
    ['text', `my token is ${TOKEN}`],
    ['text', 'leak'],
  ]) {
    const r = await run(['simulate', ...args, '--url', url]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}${r.err}`);
  }
  let entries: Entry[] = [];
  // Writes happen behind the responses: give the server a moment to flush.
  for (let i = 0; i < 50 && entries.length < 4; i++) {
    entries = await history();
    if (entries.length < 4) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(entries.length, 4);
  const hello = entries.find((e) => e.content === '你好')!;
  assert.equal(hello.msgType, 'text');
  assert.equal(hello.mode, 'safe');
  assert.equal(hello.status, 200);
  assert.match(
    hello.reply ?? '',
    /<Content><!\[CDATA\[你好，我记住了\]\]><\/Content>/,
    'the plaintext reply, not the envelope',
  );
  assert.equal(hello.server, new URL(url).origin);
  assert.equal(entries.find((e) => e.event === 'subscribe')?.msgType, 'event');

  const replay = await run(['replay', String(hello.id), '--json']);
  assert.equal(replay.code, 0, replay.err);
  const o = JSON.parse(replay.out);
  assert.equal(o.same, true);
  assert.equal(o.mode, 'safe');
  assert.deepEqual(o.after.reply, { MsgType: 'text', Content: '你好，我记住了' });
  assert.deepEqual(o.before.reply, o.after.reply);
  assert.deepEqual(o.problems, []);

  const human = await run(['replay', String(hello.id)]);
  assert.equal(human.code, 0);
  assert.match(
    human.out,
    /before[^\n]*\n {2}┃ 你好，我记住了\nnow[^\n]*\n {2}┃ 你好，我记住了\n✓ same reply as before/,
  );

  const file = await readFile(join(cwd, '.wxbot', 'history.ndjson'), 'utf8');
  for (const secret of [TOKEN, AES, PAYMENT_KEY])
    assert.ok(!file.includes(secret), 'a secret reached the history file');
  assert.match(file, /my token is \[redacted\]/);
  assert.match(file, /the key is \[redacted\]/);
  assert.match(file, /"msg_signature":"[0-9a-f]{40}"/, 'signatures are kept');
});

test('wxbot history lists lines, shows one entry, and explains unknown ids', async () => {
  const list = await run(['history']);
  assert.equal(list.code, 0);
  assert.match(list.out, /^ {2}id {2}time {6}mode {4}status {2}latency {2}request {2}→ {2}reply\n/);
  assert.match(list.out, /safe {7}200 +\d+ms {2}text 你好 {2}→ {2}你好，我记住了/);
  const one = await run(['history', '1']);
  assert.equal(JSON.parse(one.out).id, 1);
  const missing = await run(['history', '999']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no exchange 999/);
  const noReplay = await run(['replay', '999']);
  assert.equal(noReplay.code, 1);
  assert.match(noReplay.err, /no exchange 999/);
  // Not an id at all: a usage error, not "no such exchange".
  for (const args of [
    ['history', 'abc'],
    ['replay', '0'],
    ['history', '--convo', '1', 'x1'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /is not an exchange id: ids are the numbers `wxbot history` lists/);
  }
});

test('replay to a server that is gone: exit 3 with a hint', async () => {
  const r = await run(['replay', '1', '--url', 'http://127.0.0.1:9/wechat']);
  assert.equal(r.code, 3);
  assert.match(r.err, /nothing answers at http:\/\/127\.0\.0\.1:9\/wechat: is `wxbot serve` running\?/);
});

test('--no-history records nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-nohistory-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const s = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1', '--token', TOKEN, '--no-history'], { cwd: dir });
  t.after(() => s.kill('SIGKILL'));
  const u = (await s.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
  const c = runWxbot(['simulate', 'text', 'hi', '--url', u, '--token', TOKEN], { cwd: dir });
  assert.equal((await c.exited).code, 0, c.stderr());
  s.kill('SIGINT');
  assert.equal((await s.exited).code, 0);
  await assert.rejects(access(join(dir, '.wxbot')), /ENOENT/);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} right after a burst: every exchange is in the file (nothing waits for the next flush)`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'wxbot-history-stop-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const s = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1', '--token', TOKEN], { cwd: dir });
    t.after(() => s.kill('SIGKILL'));
    const u = (await s.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
    for (const text of ['one', 'two', 'three']) {
      const c = runWxbot(['simulate', 'text', text, '--url', u, '--token', TOKEN], { cwd: dir });
      assert.equal((await c.exited).code, 0, c.stderr());
    }
    s.kill(signal);
    assert.equal((await s.exited).code, 0);
    const lines = (await readFile(join(dir, '.wxbot', 'history.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);
    assert.deepEqual(
      lines.map((e) => e.content),
      ['one', 'two', 'three'],
    );
  });
}

test('two servers in one directory share the history, and `wxbot history --clear` stays cleared while they run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-history-two-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const start = async () => {
    const s = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1', '--token', TOKEN], { cwd: dir });
    t.after(() => s.kill('SIGKILL'));
    return { s, u: (await s.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0] };
  };
  const [a, b] = [await start(), await start()];
  const say = async (u: string, text: string) => {
    const c = runWxbot(['simulate', 'text', text, '--url', u, '--token', TOKEN], { cwd: dir });
    assert.equal((await c.exited).code, 0, c.stderr());
  };
  const contents = async (want: number): Promise<string[]> => {
    let got: string[] = [];
    for (let i = 0; i < 60 && got.length !== want; i++) {
      const r = runWxbot(['history', '--json'], { cwd: dir });
      assert.equal((await r.exited).code, 0, r.stderr());
      got = r
        .stdout()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as Entry).content ?? '');
      if (got.length !== want) await new Promise((r) => setTimeout(r, 50));
    }
    return got;
  };
  await say(a.u, 'a1');
  await say(b.u, 'b1');
  await say(a.u, 'a2');
  assert.deepEqual((await contents(3)).sort(), ['a1', 'a2', 'b1']);
  const clear = runWxbot(['history', '--clear'], { cwd: dir });
  assert.equal((await clear.exited).code, 0, clear.stderr());
  // The help says what this test shows (it used to ask to stop the servers first).
  const help = runWxbot(['history', '--help'], { cwd: dir });
  assert.equal((await help.exited).code, 0);
  assert.match(help.stdout(), /--clear +delete the recorded history \(a running server stays cleared/);
  assert.doesNotMatch(help.stdout(), /stop a running server first/);
  await say(b.u, 'b2');
  await say(a.u, 'a3');
  // Neither server brings back what was cleared.
  assert.deepEqual((await contents(2)).sort(), ['a3', 'b2']);
  a.s.kill('SIGTERM');
  b.s.kill('SIGTERM');
  assert.equal((await a.s.exited).code, 0);
  assert.equal((await b.s.exited).code, 0);
  const lines = (await readFile(join(dir, '.wxbot', 'history.ndjson'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Entry);
  assert.deepEqual(lines.map((e) => e.content).sort(), ['a3', 'b2']);
  assert.equal(new Set(lines.map((e) => e.id)).size, 2);
});
