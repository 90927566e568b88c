// Corrupted or unreadable state is reported, not crashed on: real `wxbot` processes against a damaged
// history file, a directory in its place, and a bot module with a syntax error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wxbot } from './conventions-world.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const JS_ERROR = /TypeError|ReferenceError|Cannot read propert|undefined \(reading|\bat \S+ \(/;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-corrupt-'));
  dirs.push(dir);
  mkdirSync(join(dir, '.wxbot'));
  return dir;
}

const entry = (id: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    at: '2026-12-05T10:00:00.000Z',
    method: 'POST',
    path: '/wechat',
    query: {},
    body: '',
    mode: 'plain',
    message: { ToUserName: 'gh_1', FromUserName: 'oUser', CreateTime: 1, MsgType: 'text', Content: 'hi', MsgId: '1' },
    status: 200,
    reply: 'success',
    latencyMs: 1,
    msgType: 'text',
    content: 'hi',
    server: 'http://127.0.0.1:1',
    ...extra,
  });

test('damaged history lines are skipped with a count and the wrong field named; no JavaScript error text', async () => {
  const dir = project();
  const lines = [
    entry(1),
    '{"id":2,"at":"x"}',
    'not json',
    entry(3, { status: 'ok' }),
    entry(4, { message: { FromUserName: 'o' } }),
  ];
  writeFileSync(join(dir, '.wxbot', 'history.ndjson'), `${lines.join('\n')}\n`);
  const list = await wxbot(['history'], { cwd: dir });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /text hi/);
  assert.match(list.stderr, /skipped 3 lines .* \(line 2: "at" is not an ISO date\)/);
  const one = await wxbot(['history', '3'], { cwd: dir });
  assert.equal(one.code, 1);
  assert.match(one.stderr, /exchange 3 .* cannot be read: line 4: "status" is not a number/);
  const replay = await wxbot(['replay', '4', '--token', 'abc123'], { cwd: dir });
  assert.equal(replay.code, 2, replay.stderr);
  assert.match(replay.stderr, /entry 4 cannot be replayed: "message.ToUserName" is missing/);
  for (const r of [list, one, replay]) assert.doesNotMatch(r.stdout + r.stderr, JS_ERROR);
});

test('an unreadable history (a directory in its place) is an error with its path, exit 1', async () => {
  const dir = project();
  mkdirSync(join(dir, '.wxbot', 'history.ndjson'));
  for (const args of [['history'], ['replay', '--token', 'abc123']]) {
    const r = await wxbot(args, { cwd: dir });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /cannot read the history .*history\.ndjson: it is a directory/);
    assert.doesNotMatch(r.stderr, JS_ERROR);
  }
});

test('a syntax error in the bot module shows file:line:column', async () => {
  const dir = project();
  writeFileSync(join(dir, 'bot.mjs'), 'const a = 1;\nexport default {\n  handle( => 1,\n};\n');
  const r = await wxbot(['serve', 'bot.mjs', '--port', '0', '--no-history'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot load bot\.mjs: .*bot\.mjs:3:11: Unexpected token '=>'/);
});
