import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runWxbot } from './tunnel-child.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'wxbot-init-cli-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function run(args: string[], cwd = root): Promise<{ code: number | null; out: string; err: string }> {
  const c = runWxbot(args, { cwd });
  const { code } = await c.exited;
  return { code, out: c.stdout(), err: c.stderr() };
}

test('wxbot init scaffolds a project that runs: wxbot serve <entry> + wxbot simulate text 你好 → the scaffolded reply', async (t) => {
  const created = await run(['init', 'my-bot']);
  assert.equal(created.code, 0, created.err);
  assert.match(created.out, /Created my-bot in my-bot\//);
  for (const f of ['package.json', 'bot.mjs', '.env', '.gitignore', 'README.md'])
    assert.match(created.out, new RegExp(`created +${f.replace('.', '\\.')}`));
  assert.match(created.out, /cd my-bot\n {2}npm install\n {2}npm run dev/);
  assert.doesNotMatch(created.out, /WECHAT_TOKEN=/, 'secrets stay in .env, not on the screen');

  const dir = join(root, 'my-bot');
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  // Run from this checkout (not from a registry install): the project depends on it by path.
  assert.equal(pkg.dependencies.wxbot, `file:${realpathSync(REPO)}`);
  assert.match(created.out, /package\.json depends on wxbot file:.* \(the directory this wxbot runs from/);
  // `npm install` stand-in: this checkout is the wxbot the project resolves.
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules', 'wxbot'), 'dir');

  const serve = runWxbot(['serve', 'bot.mjs', '--port', '0', '--host', '127.0.0.1'], { cwd: dir });
  t.after(() => serve.kill('SIGKILL'));
  const url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];

  const hello = await run(['simulate', 'text', '你好', '--url', url, '--json'], dir);
  assert.equal(hello.code, 0, hello.out + hello.err);
  const r = JSON.parse(hello.out);
  assert.deepEqual(r.problems, []);
  assert.equal(r.reply.MsgType, 'text');
  assert.equal(r.reply.Content, '你好！我是你的公众号机器人。发送「帮助」看看我能做什么。');

  const echo = await run(['simulate', 'text', '复读 早上好', '--url', url, '--json'], dir);
  assert.equal(JSON.parse(echo.out).reply.Content, '早上好');
  const follow = await run(['simulate', 'event', 'subscribe', '--url', url, '--json'], dir);
  assert.match(JSON.parse(follow.out).reply.Content, /感谢关注/);
  const other = await run(['simulate', 'text', '随便说点什么', '--url', url, '--json'], dir);
  assert.equal(JSON.parse(other.out).reply.Content, '你说：随便说点什么', 'chat fallback without a provider');

  // The conversation test it ships passes out of the box: in-process and against the server, plain and safe.
  for (const args of [
    ['test'],
    ['test', '--mode', 'plain'],
    ['test', '--url', url, '--mode', 'plain'],
    ['test', '--url', url, '--mode', 'safe'],
  ]) {
    const r = await run(args, dir);
    assert.equal(r.code, 0, `wxbot ${args.join(' ')}\n${r.out}${r.err}`);
    assert.match(r.out, /✓ 问候 .*· 7 turns/);
    assert.match(r.out, /1 conversation: 1 passed, 0 failed/);
  }
  // `npm test` is that same command, through the project's own node_modules/.bin.
  await mkdir(join(dir, 'node_modules', '.bin'));
  await symlink(join(REPO, 'bin', 'wxbot.js'), join(dir, 'node_modules', '.bin', 'wxbot'));
  const npmTest = spawnSync('npm', ['test', '--silent'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(npmTest.status, 0, npmTest.stdout + npmTest.stderr);
  assert.match(npmTest.stdout, /1 conversation: 1 passed, 0 failed/);

  serve.kill('SIGINT');
  assert.equal((await serve.exited).code, 0);
});

test('refuses to overwrite without --force, then overwrites with it', async () => {
  const first = await run(['init', 'again', '--json']);
  assert.equal(first.code, 0);
  const o = JSON.parse(first.out);
  assert.equal(o.name, 'again');
  assert.equal(o.entry, 'bot.mjs');
  assert.doesNotMatch(first.out, /token|encodingAESKey/i);
  const env1 = await readFile(join(root, 'again', '.env'), 'utf8');

  const refused = await run(['init', 'again']);
  assert.equal(refused.code, 1);
  assert.match(
    refused.err,
    /already has package\.json, bot\.mjs, \.env, \.gitignore, README\.md, tests\/hello\.convo; nothing was written\. Use --force/,
  );
  assert.equal(await readFile(join(root, 'again', '.env'), 'utf8'), env1);

  const forced = await run(['init', 'again', '--force']);
  assert.equal(forced.code, 0);
  assert.match(forced.out, /overwrote bot\.mjs/);
  assert.notEqual(await readFile(join(root, 'again', '.env'), 'utf8'), env1, 'fresh keys');
});

test('a file where init needs a directory: a usage error that names it, and nothing written', async () => {
  const dir = join(root, 'has-tests-file');
  await mkdir(dir);
  await writeFile(join(dir, 'tests'), 'x');
  const r = await run(['init', 'has-tests-file']);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^wxbot: cannot create the project in .*has-tests-file: tests is a file, where init needs a directory\. Nothing was written/,
  );
  assert.doesNotMatch(r.err, /EEXIST/);
  assert.deepEqual(await readdir(dir), ['tests'], 'nothing half-written');

  await writeFile(join(root, 'a-file'), 'x');
  const json = await run(['init', 'a-file', '--json']);
  assert.equal(json.code, 2);
  const o = JSON.parse(json.out);
  assert.equal(o.error.exitCode, 2);
  assert.match(o.error.message, /a-file: it is a file, not a directory\. Nothing was written/);
});

test('--wxbot-spec writes the dependency as given; --json reports it', async () => {
  const given = await run(['init', 'pinned', '--wxbot-spec', '^0.1.0', '--json']);
  assert.equal(given.code, 0, given.err);
  assert.equal(JSON.parse(given.out).wxbotSpec, '^0.1.0');
  assert.equal(JSON.parse(await readFile(join(root, 'pinned', 'package.json'), 'utf8')).dependencies.wxbot, '^0.1.0');
  const empty = await run(['init', 'nothing', '--wxbot-spec', ' ']);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /--wxbot-spec needs a value/);
});

test('--app-id is checked and written', async () => {
  const bad = await run(['init', 'x', '--app-id', 'nope']);
  assert.equal(bad.code, 2);
  const ok = await run(['init', 'y', '--app-id', 'wx1234567890abcdef']);
  assert.equal(ok.code, 0);
  assert.match(await readFile(join(root, 'y', '.env'), 'utf8'), /^WECHAT_APP_ID=wx1234567890abcdef$/m);
});
