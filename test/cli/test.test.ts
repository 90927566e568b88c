// `wxbot test` as a user runs it: the real binary against the scaffold's bot in-process, `wxbot serve`,
// and a bot written in Python; exit codes, reports, --update, and recorded conversations run back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { botModule, helloConvo } from '../../src/init/templates.js';
import { freePort } from '../fakes/redis.js';
import { mediaFiles } from '../helpers/media-files.js';
import { requireProgram } from '../helpers/system.js';
import { runWxbot } from './tunnel-child.js';
import { wxbot } from './conventions-world.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'ConvoTestTok3n0123456789abcdefgh';
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP_ID = 'wx1234567890abcdef';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wxbot-test-cli-'));
  await mkdir(join(dir, 'tests'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules', 'wxbot'), 'dir');
  await writeFile(join(dir, 'bot.mjs'), botModule());
  await writeFile(join(dir, 'tests', 'hello.convo'), helloConvo());
  await writeFile(join(dir, '.env'), `WECHAT_TOKEN=${TOKEN}\nWECHAT_AES_KEY=${KEY}\nWECHAT_APP_ID=${APP_ID}\n`);
});
after(() => rm(dir, { recursive: true, force: true }));

const run = (args: string[], cwd = dir, input?: string) => wxbot(args, { cwd, input });

test('in-process: the scaffold passes (safe mode from .env, and plain); a failure prints file:line, expected and actual', async () => {
  const ok = await run(['test']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^tests\/hello\.convo\n {2}✓ 问候 · 7 turns/);
  assert.equal((await run(['test', '--mode', 'plain'])).code, 0);

  await writeFile(join(dir, 'fail.convo'), '# 坏了\n> 你好\n< 再见\n\n> [click ABOUT]\n< [news] 关于这个机器人\n');
  const bad = await run(['test', 'fail.convo']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /✗ 坏了 · 2 turns/);
  assert.match(
    bad.stdout,
    /✗ fail\.convo:2 {2}> 你好\n {8}expected │ actual\n {8}再见 {5}│ 你好！我是你的公众号机器人。/,
  );
  assert.match(bad.stdout, /1 conversation: 0 passed, 1 failed · 2 turns/);
  assert.equal(bad.stderr, '');
});

test('exit 2 for usage and file errors, with file:line; nothing runs', async () => {
  await writeFile(join(dir, 'syntax.convo'), '> 你好\n< [gif]\n> [teleport]\n');
  const syntax = await run(['test', 'syntax.convo', 'tests']);
  assert.equal(syntax.code, 2);
  assert.equal(syntax.stdout, '');
  assert.match(syntax.stderr, /^wxbot: syntax\.convo:2: unknown reply type \[gif\]/m);
  assert.match(syntax.stderr, /^syntax\.convo:3: unknown kind "\[teleport\]"/m);
  assert.match((await run(['test', 'missing.convo'])).stderr, /missing\.convo: no such file or directory/);
  const empty = await mkdtemp(join(tmpdir(), 'wxbot-test-none-'));
  const none = await run(['test'], empty);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no \.convo files in test\/ or tests\//);
  // Over HTTP, what a file asks for must be possible before anything is sent.
  await writeFile(join(empty, 'safe.convo'), '# 安全\n@mode safe\n> 你好\n');
  const keyless = await run(['test', 'safe.convo', '--url', 'http://127.0.0.1:1/wechat', '--token', 'T0ken123'], empty);
  await rm(empty, { recursive: true, force: true });
  assert.equal(keyless.code, 2);
  assert.match(keyless.stderr, /safe\.convo:3: safe mode needs the EncodingAESKey and AppID/);
  assert.equal((await run(['test', '--url', 'http://127.0.0.1:1/wechat', '--clock', 'now'])).code, 2);
  assert.equal((await run(['test', '--bot', 'nope.mjs'])).code, 2);
});

test('--reporter junit is valid JUnit XML; tap and json too', async () => {
  const junit = await run(['test', 'tests', 'fail.convo', '--reporter', 'junit']);
  assert.equal(junit.code, 1);
  assert.equal(XMLValidator.validate(junit.stdout), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.stdout);
  assert.deepEqual([doc.testsuites.tests, doc.testsuites.failures], ['2', '1']);
  const failed = (doc.testsuites.testsuite as { testcase: { failure?: { message: string } } }[])[0]!.testcase;
  assert.equal(failed.failure!.message, 'fail.convo:2: the reply is not the expected one');
  const tap = await run(['test', 'tests', '--reporter', 'tap']);
  assert.match(tap.stdout, /^TAP version 13\n1\.\.1\nok 1 - tests\/hello\.convo › 问候/);
  const json = JSON.parse((await run(['test', 'tests', '--json'])).stdout);
  assert.equal(json.ok, true);
  assert.equal(json.conversations[0].turns.length, 7);
});

test('--update rewrites the failing exact text, then the file passes', async () => {
  await writeFile(join(dir, 'snap.convo'), '> 复读 新的\n< 旧的\n\n> [scan 1]\n< ~听不\n');
  const up = await run(['test', 'snap.convo', '--update']);
  assert.equal(up.code, 0, up.stdout);
  assert.match(up.stdout, /updated 1 turn in snap\.convo/);
  assert.equal(await readFile(join(dir, 'snap.convo'), 'utf8'), '> 复读 新的\n< 新的\n\n> [scan 1]\n< ~听不\n');
  assert.equal((await run(['test', 'snap.convo'])).code, 0);
});

test('in-process: a bot replying with a picture from a file passes (placeholder media, as serve); a missing file says why', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'wxbot-test-media-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await mkdir(join(work, 'node_modules'));
  await symlink(REPO, join(work, 'node_modules', 'wxbot'), 'dir');
  await writeFile(
    join(work, 'bot.mjs'),
    "import { createBot } from 'wxbot';\n" +
      "export default createBot().text('猫', (ctx) => ctx.replyImage({ file: './cat.png' }));\n",
  );
  await writeFile(join(work, 'cat.png'), mediaFiles.png());
  await mkdir(join(work, 'tests'));
  await writeFile(join(work, 'tests', 'cat.convo'), '> 猫\n< [image]\n');
  const ok = await run(['test'], work);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /✓ cat · 1 turn/);
  await rm(join(work, 'cat.png'));
  const bad = await run(['test'], work);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stdout,
    /\[image\] {2}│ \[success\]\n {8}the handler threw: WechatApiError MEDIA_INVALID: .*cat\.png/,
  );
});

test('over HTTP against wxbot serve (plain and safe); history --convo and simulate --save run back green', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'wxbot-test-rec-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await mkdir(join(work, 'node_modules'));
  await symlink(REPO, join(work, 'node_modules', 'wxbot'), 'dir');
  await writeFile(join(work, 'bot.mjs'), botModule());
  await writeFile(join(work, '.env'), `WECHAT_TOKEN=${TOKEN}\nWECHAT_AES_KEY=${KEY}\nWECHAT_APP_ID=${APP_ID}\n`);
  const serve = runWxbot(['serve', 'bot.mjs', '--port', '0', '--host', '127.0.0.1'], { cwd: work });
  t.after(() => serve.kill('SIGKILL'));
  const url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
  for (const mode of ['plain', 'safe']) {
    const r = await run(['test', join(dir, 'tests'), '--url', url, '--mode', mode], work);
    assert.equal(r.code, 0, `${mode}: ${r.stdout}${r.stderr}`);
  }
  const saved = await run(
    ['simulate', '--url', url, '--save', 'saved.convo'],
    work,
    '你好\n/subscribe\n/click ABOUT\n/image https://example.com/a.jpg\n/location 39.9 116.4 天安门\n/scan 42\n帮助\n',
  );
  assert.equal(saved.code, 0, saved.stderr);
  const text = await readFile(join(work, 'saved.convo'), 'utf8');
  assert.match(text, /^# saved by wxbot simulate\n\n@user oUserOpenId\d+\n> 你好\n< 你好！/);
  assert.match(text, /\n> \[location 39\.9 116\.4 天安门\]\n< 你在 天安门（39\.9, 116\.4）\n/);
  assert.equal((await run(['test', 'saved.convo'], work)).code, 0);
  assert.equal((await run(['test', 'saved.convo', '--url', url], work)).code, 0);

  let recorded = '';
  for (let i = 0; i < 50 && !/\[scan 42\]/.test(recorded); i++) {
    await new Promise((r) => setTimeout(r, 100));
    recorded = (await run(['history', '--convo'], work)).stdout;
  }
  await writeFile(join(work, 'recorded.convo'), recorded);
  assert.match(recorded, /^# recorded by wxbot serve, \d{4}-\d\d-\d\d\n/);
  assert.match(recorded, /\n> \[click ABOUT\]\n< \[news\] 关于这个机器人\n/);
  const again = await run(['test', 'recorded.convo'], work);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /1 conversation: 1 passed, 0 failed · \d+ turns/);
  assert.equal((await run(['test', 'recorded.convo', '--url', url], work)).code, 0);
  const two = await run(['history', '--convo', '2', '3'], work);
  assert.equal(two.stdout.match(/^> /gm)?.length, 2);
  assert.equal((await run(['history', '--convo', '999'], work)).code, 1);
});

test('recorded media keep their MediaId, so the demo bot (which echoes it) passes run back; no empty text', async (t) => {
  // The demo bot (no bot.mjs) answers a video with its MediaId: a fresh random id each run failed.
  const work = await mkdtemp(join(tmpdir(), 'wxbot-test-media-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  await writeFile(join(work, '.env'), `WECHAT_TOKEN=${TOKEN}\n`);
  const serve = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd: work });
  t.after(() => serve.kill('SIGKILL'));
  const url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
  const saved = await run(['simulate', '--url', url, '--save', 'saved.convo'], work, '/video\n/shortvideo\n');
  assert.equal(saved.code, 0, saved.stderr);
  const text = await readFile(join(work, 'saved.convo'), 'utf8');
  const video = /\n> \[video --media-id (\S+) --thumb-media-id \S+\]\n< 收到视频，MediaId：(\S+)\n/.exec(text);
  assert.ok(video, text);
  assert.equal(video[1], video[2]);
  assert.match(text, /\n> \[shortvideo --media-id \S+ --thumb-media-id \S+\]\n< 收到小视频，MediaId：/);
  for (const where of [[], ['--url', url]]) {
    const back = await run(['test', 'saved.convo', ...where], work);
    assert.equal(back.code, 0, back.stdout + back.stderr);
  }
  for (const args of [
    ['image', 'https://example.com/a.jpg', '--media-id', 'MID123'],
    ['voice', '--format', 'speex'],
    ['location', '39.9', '116.4', '--label', '天安门', '--scale', '18'],
  ])
    assert.equal((await run(['simulate', ...args, '--url', url], work)).code, 0);
  let recorded = '';
  for (let i = 0; i < 50 && !/\[location/.test(recorded); i++) {
    await new Promise((r) => setTimeout(r, 100));
    recorded = (await run(['history', '--convo'], work)).stdout;
  }
  await writeFile(join(work, 'recorded.convo'), recorded);
  assert.match(recorded, /\n> \[video --media-id \S+ --thumb-media-id \S+\]\n< 收到视频，MediaId：/);
  assert.match(recorded, /\n> \[image https:\/\/example\.com\/a\.jpg --media-id MID123\]\n/);
  assert.match(recorded, /\n> \[voice --format speex --media-id \S+\]\n< 收到语音（speex）/);
  assert.match(recorded, /\n> \[location 39\.9 116\.4 天安门 --scale 18\]\n/);
  for (const where of [[], ['--url', url]]) {
    const back = await run(['test', 'recorded.convo', ...where], work);
    assert.equal(back.code, 0, back.stdout + back.stderr);
  }

  // WeChat never sends an empty text: neither does simulate, as a command or as a chat line.
  for (const content of ['', '   ']) {
    const empty = await run(['simulate', 'text', content, '--url', url], work);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /WeChat sends no empty text/);
  }
  const chat = await run(['simulate', '--url', url, '--json'], work, "/text ''\n你好\n");
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(chat.stderr, /WeChat sends no empty text/);
  assert.equal(chat.stdout.trim().split('\n').length, 1);
});

describe(
  'against a bot written in Python (http.server)',
  requireProgram('python3', { install: 'apt-get install python3' }),
  () => {
    test('conversations pass and fail as they should; a stopped server is exit 3', async (t) => {
      const py = spawn('python3', [join(REPO, 'test/fixtures/convo/python_bot.py'), TOKEN], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      t.after(() => py.kill('SIGKILL'));
      const port = await new Promise<string>((resolve, reject) => {
        py.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim()));
        py.once('exit', (code) => reject(new Error(`python3 exited ${code}`)));
      });
      const url = `http://127.0.0.1:${port}/wechat`;
      await writeFile(
        join(dir, 'py.convo'),
        '# Python\n> ping\n< pong\n\n> [subscribe]\n< ~欢迎\n\n> 你好 世界\n< 你好 世界\n\n> [click X]\n< [success]\n',
      );
      await writeFile(join(dir, 'py-fail.convo'), '> ping\n< ping\n');
      const flags = ['--url', url, '--token', TOKEN, '--mode', 'plain'];
      const ok = await run(['test', 'py.convo', ...flags]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /✓ Python · 4 turns/);
      const bad = await run(['test', 'py-fail.convo', ...flags]);
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /✗ py-fail\.convo:1 {2}> ping\n {8}expected │ actual\n {8}ping {5}│ pong/);
      const wrongToken = await run(['test', 'py.convo', '--url', url, '--token', 'WrongToken123', '--mode', 'plain']);
      assert.equal(wrongToken.code, 1);
      assert.match(wrongToken.stdout, /HTTP 403/);
      py.kill('SIGKILL');
      const down = await run([
        'test',
        'py.convo',
        '--url',
        `http://127.0.0.1:${await freePort()}/wechat`,
        '--token',
        TOKEN,
      ]);
      assert.equal(down.code, 3);
      assert.match(down.stderr, /is the server running/);
    });
  },
);
