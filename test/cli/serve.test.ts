import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { sampleXml } from '../helpers/fixtures.js';
import { ACCOUNT, http, push, signedQuery, textXml, type Mode } from '../server/client.js';
import { ROOT, runServe, runServeFailing, tempDir } from './serve-child.js';

const LIB = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
const SAFE_ENV = { WECHAT_TOKEN: ACCOUNT.token, WECHAT_AES_KEY: ACCOUNT.aesKey, WECHAT_APP_ID: ACCOUNT.appId };
const content = (r: { reply?: { MsgType: string } }) => (r.reply as { Content?: string } | undefined)?.Content;

// Request-log lines are written in small batches: wait until `n` have arrived (bounded), then read them.
async function logLines(s: { stdout(): string }, n: number): Promise<void> {
  const until = Date.now() + 5000;
  while (s.stdout().trim().split('\n').filter(Boolean).length < n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 50)); // and nothing more than n
}
test('zero set-up: the demo bot with a generated token, printed once in the banner and handed to wxbot simulate', async (t) => {
  const s = await runServe([]);
  t.after(() => s.stop('SIGKILL'));
  const token =
    /Token\s+([A-Za-z0-9]{32}) \(generated for this run; saved for wxbot simulate in \.wxbot\/dev-session\.json\)/.exec(
      s.stderr(),
    )?.[1];
  assert.ok(token, s.stderr());
  assert.equal(s.stderr().split(token).length - 1, 1, 'the full token appears once');
  assert.match(s.stderr(), /Next\s+wxbot simulate text 你好\s+#/, 'no --token needed: the dev session carries it');
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/wechat$/);
  assert.notEqual(new URL(s.url).port, '0', '--port 0 prints the real port');
  const acct = { token };
  const get = await http(`${s.url}?${signedQuery(token)}&echostr=998877`);
  assert.equal(get.body, '998877');
  assert.match(content(await push(s.url, textXml('帮助'), 'plain', acct)) ?? '', /演示机器人/);
  assert.equal(
    content(await push(s.url, textXml('随便说点什么'), 'plain', acct)),
    '随便说点什么',
    'echo without a chat provider',
  );
  assert.match(
    content(await push(s.url, sampleXml('location'), 'plain', acct)) ?? '',
    /广州市天河区[\s\S]*23\.134521[\s\S]*113\.358803/,
  );
  assert.match(content(await push(s.url, sampleXml('image'), 'plain', acct)) ?? '', /https?:\/\//);
  assert.match(content(await push(s.url, sampleXml('voice'), 'plain', acct)) ?? '', /今天天气怎么样/);
  assert.match(content(await push(s.url, sampleXml('event-subscribe'), 'plain', acct)) ?? '', /感谢关注/);
  assert.equal((await push(s.url, sampleXml('event-unknown'), 'plain', acct)).body, 'success');
  assert.equal((await push(s.url, sampleXml('unknown-type'), 'plain', acct)).body, 'success');
  assert.equal((await http(`${s.origin}/healthz`)).status, 200);
  assert.match((await http(`${s.origin}/`)).body, /wxbot is running/);
});

test('settings from env: all three modes, token and key masked in the banner', async (t) => {
  const s = await runServe([], { env: SAFE_ENV });
  t.after(() => s.stop('SIGKILL'));
  for (const mode of ['plain', 'compat', 'safe'] as Mode[]) {
    const r = await push(s.url, textXml('你好'), mode);
    assert.equal(r.status, 200, mode);
    assert.match(content(r) ?? '', /你好！/, mode);
  }
  assert.match(s.stderr(), /compatible and safe/);
  // No AppSecret: slow answers take the retry window, and the banner says what the user gets.
  assert.match(
    s.stderr(),
    /Slow {5}answers after 4\.5 s go out on WeChat's later deliveries .*up to 60 s \(retry window\)/,
  );
  assert.ok(!s.stderr().includes(ACCOUNT.token), 'token not printed');
  assert.ok(!s.stderr().includes(ACCOUNT.aesKey), 'AES key not printed');
});

test('.env in the working directory is read; flags win over env, env over .env', async (t) => {
  const cwd = tempDir();
  writeFileSync(join(cwd, '.env'), `WECHAT_TOKEN=fromdotenv1\nWXBOT_PATH=/from-dotenv\n`);
  const s = await runServe(['--path', '/from-flag'], { cwd });
  t.after(() => s.stop('SIGKILL'));
  assert.match(s.url, /\/from-flag$/);
  const r = await push(s.url, textXml('hi'), 'plain', { token: 'fromdotenv1' });
  assert.equal(r.status, 200);
  const s2 = await runServe([], { cwd, env: { WECHAT_TOKEN: 'fromenv22' } });
  t.after(() => s2.stop('SIGKILL'));
  assert.match(s2.url, /\/from-dotenv$/);
  assert.equal((await push(s2.url, textXml('hi'), 'plain', { token: 'fromenv22' })).status, 200);
  assert.equal((await push(s2.url, textXml('hi'), 'plain', { token: 'fromdotenv1' })).status, 401);
});

test('an entry module (.mjs) default-exporting a bot is served', async (t) => {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'bot.mjs'),
    `import { createBot } from '${LIB}';
export default createBot().text('ping', () => 'pong from entry').fallback(() => undefined);\n`,
  );
  const s = await runServe(['bot.mjs'], { cwd, env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  assert.equal(content(await push(s.url, textXml('ping'), 'plain')), 'pong from entry');
  assert.equal((await push(s.url, textXml('other'), 'plain')).body, 'success');
  assert.match(s.stderr(), /bot\.mjs/);
});

test('a TypeScript entry (.ts) is loaded through tsx', async (t) => {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'bot.ts'),
    `import { createBot, type Context } from '${LIB}';
const greet = (ctx: Context): string => 'typed ' + (ctx.text ?? '');
export default createBot().text(/^hey/, greet);\n`,
  );
  const s = await runServe(['bot.ts'], { cwd, env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  assert.equal(content(await push(s.url, textXml('hey you'), 'plain')), 'typed hey you');
});

test('--watch reloads the entry when it changes', async (t) => {
  const cwd = tempDir();
  const file = join(cwd, 'bot.mjs');
  const write = (reply: string) =>
    writeFileSync(
      file,
      `import { createBot } from '${LIB}';
export default createBot().text('v', () => '${reply}');\n`,
    );
  write('version 1');
  const s = await runServe(['bot.mjs', '--watch'], { cwd, env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  assert.equal(content(await push(s.url, textXml('v'), 'plain')), 'version 1');
  write('version 2');
  const deadline = Date.now() + 8000;
  let got: string | undefined;
  while (Date.now() < deadline) {
    got = content(await push(s.url, textXml('v'), 'plain'));
    if (got === 'version 2') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(got, 'version 2');
  assert.match(s.stderr(), /reloaded bot\.mjs/);

  // A save with a syntax error keeps the previous bot and says where the error is.
  writeFileSync(file, `import { createBot } from '${LIB}';\nexport default createBot().text('v', () => 'x'\n`);
  const until = Date.now() + 8000;
  while (Date.now() < until && !/reload failed/.test(s.stderr())) await new Promise((r) => setTimeout(r, 100));
  assert.match(
    s.stderr(),
    /reload failed, keeping the previous bot: cannot load bot\.mjs: .*bot\.mjs:2:\d+: missing \) after argument list/,
  );
  assert.equal(content(await push(s.url, textXml('v'), 'plain')), 'version 2');
});

test('--log-format json prints one JSON object per request on stdout, OpenIDs masked', async (t) => {
  const s = await runServe(['--log-format', 'json'], { env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  await push(s.url, textXml('hello json'), 'plain');
  await http(`${s.url}?${signedQuery('bad')}&echostr=1`);
  await logLines(s, 2);
  const lines = s
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.status, 200);
  assert.equal(lines[0]!.msgType, 'text');
  assert.equal(lines[0]!.content, 'hello json');
  assert.equal(lines[0]!.openId, 'oUse…0000');
  assert.deepEqual(lines[0]!.reply, { MsgType: 'text', preview: 'hello json' });
  assert.equal(lines[1]!.status, 401);
  assert.equal(lines[1]!.reason, 'invalid signature');
  assert.ok(!s.stdout().includes('oUserOpenId0000000000000000'));
});

test('the pretty log has one line per request with masked OpenID, type, previews and latency', async (t) => {
  const s = await runServe([], { env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  const xml = textXml('line test');
  await push(s.url, xml, 'plain');
  await push(s.url, xml, 'plain'); // a retry
  await logLines(s, 2);
  const lines = s.stdout().trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0]!,
    /^\d\d:\d\d:\d\d\.\d{3} POST 200 plain\s+oUse…0000 text "line test" → text "line test" [\d.]+ms$/,
  );
  assert.match(lines[1]!, /\[retry/);
  assert.ok(!/\u001b\[/.test(s.stdout()), 'no colour codes with NO_COLOR / non-TTY');
});

test('the request log keeps every line while the program reading stdout falls behind', async (t) => {
  // As under pm2, Docker or journald: stdout is a pipe, and its reader stops reading for a while.
  const s = await runServe([], { env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  s.child.stdout!.pause();
  // ~170 bytes a line: 1000 lines are more than the pipe and the reader's buffer hold together.
  const total = 1000;
  const text = `lagging reader ${'长'.repeat(30)}`;
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < total) {
        const r = await push(s.url, textXml(`${text} ${next++}`), 'plain');
        assert.equal(r.status, 200);
      }
    }),
  );
  s.child.stdout!.resume();
  await logLines(s, total);
  assert.equal(s.stdout().trim().split('\n').length, total);
  assert.doesNotMatch(s.stderr(), /request log stopped/);
});

test('SIGTERM finishes the request in flight and exits 0', async (t) => {
  const cwd = tempDir();
  writeFileSync(
    join(cwd, 'slow.mjs'),
    `import { createBot } from '${LIB}';
export default createBot().fallback(async () => { await new Promise((r) => setTimeout(r, 700)); return 'done slowly'; });\n`,
  );
  const s = await runServe(['slow.mjs'], { cwd, env: { WECHAT_TOKEN: ACCOUNT.token } });
  t.after(() => s.stop('SIGKILL'));
  const inflight = push(s.url, textXml('x'), 'plain');
  await new Promise((r) => setTimeout(r, 200));
  const code = s.stop('SIGTERM');
  const r = await inflight;
  assert.equal(content(r), 'done slowly');
  assert.equal(await code, 0);
});

test('SIGINT on an idle server exits 0 promptly', async () => {
  const s = await runServe([]);
  const t0 = Date.now();
  assert.equal(await s.stop('SIGINT'), 0);
  assert.ok(Date.now() - t0 < 5000);
});

test('bad settings fail with exit 2 and never echo secrets', async () => {
  const badKey = 'short-and-secret-key';
  const a = await runServeFailing([], { env: { WECHAT_AES_KEY: badKey, WECHAT_APP_ID: 'wx1234567890abcdef' } });
  assert.equal(a.code, 2);
  assert.match(a.stderr, /EncodingAESKey/);
  assert.ok(!a.stderr.includes(badKey));
  const b = await runServeFailing(['--port', 'eighty']);
  assert.equal(b.code, 2);
  const c = await runServeFailing([], { env: { WECHAT_AES_KEY: ACCOUNT.aesKey } });
  assert.equal(c.code, 2);
  assert.match(c.stderr, /AppID/);
  const d = await runServeFailing(['missing.mjs']);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /entry not found/);
  const cwd = tempDir();
  writeFileSync(join(cwd, 'nobot.mjs'), 'export default 42;\n');
  const e = await runServeFailing(['nobot.mjs'], { cwd });
  assert.equal(e.code, 2);
  assert.match(e.stderr, /must default-export a bot/);
  // 192.0.2.1 (TEST-NET-1) is documentation only: never an address of this machine.
  const f = await runServeFailing(['--host', '192.0.2.1', '--port', '0']);
  assert.equal(f.code, 2);
  assert.match(
    f.stderr,
    /cannot listen on 192\.0\.2\.1 \(--host or WXBOT_HOST\): not an address of this machine \(EADDRNOTAVAIL\); use 0\.0\.0\.0/,
  );
});

test('a bot whose package is not installed says which `npm install` to run, and where', async () => {
  // A project made by `wxbot init` (or cloned) before its `npm install`: package.json lists the package.
  const project = tempDir();
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ type: 'module', dependencies: { 'wxbot-not-here': '1' } }),
  );
  writeFileSync(join(project, 'bot.mjs'), "export { default } from 'wxbot-not-here';\n");
  const listed = await runServeFailing(['bot.mjs'], { cwd: project });
  assert.equal(listed.code, 1);
  assert.ok(
    listed.stderr.includes(
      `cannot load bot.mjs: package 'wxbot-not-here' is not installed: run \`npm install\` in ${project} (its package.json lists it)`,
    ),
    listed.stderr,
  );
  // Not listed: the command names the package.
  writeFileSync(join(project, 'other.mjs'), "export { default } from 'another-not-here';\n");
  const unlisted = await runServeFailing(['other.mjs'], { cwd: project });
  assert.match(unlisted.stderr, /package 'another-not-here' is not installed: run `npm install another-not-here` in /);
});

test('a port already in use is explained', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await runServeFailing(['--port', String(port)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /port \d+ on 127\.0\.0\.1 is already in use: pass --port <another>/);
});

test('--slow-replies custom-service without WECHAT_APP_ID and WECHAT_APP_SECRET stops at start, saying what to set', async () => {
  const r = await runServeFailing(['--slow-replies', 'custom-service'], { env: { WECHAT_TOKEN: ACCOUNT.token } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /custom-service .*customer-service API: set WECHAT_APP_ID and WECHAT_APP_SECRET, or use auto/);
});

test('a port held by another wxbot server says which, and that wxbot tunnel runs the bot itself', async () => {
  const first = await runServe(['--port', '0'], { env: { WECHAT_TOKEN: ACCOUNT.token } });
  try {
    const r = await runServeFailing(['--port', new URL(first.url).port], { env: { WECHAT_TOKEN: ACCOUNT.token } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already in use by another wxbot server \(a `wxbot serve`, `npm run dev` or `wxbot tunnel`/);
    assert.match(r.stderr, /`wxbot tunnel` runs the bot itself/);
  } finally {
    await first.stop();
  }
});
