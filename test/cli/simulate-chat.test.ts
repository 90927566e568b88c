import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BROKEN_ACCOUNT, type BrokenServer, useBrokenServer } from '../fakes/broken-server.js';
import { wxbot } from './simulate-helpers.js';

const { token: TOKEN, aesKey: AES, appId: APP } = BROKEN_ACCOUNT;
let server: BrokenServer;
useBrokenServer((s) => (server = s));

const chat = (input: string, extra: string[] = []) =>
  wxbot(['simulate', '--url', server.url, '--token', TOKEN, '--aes-key', AES, '--app-id', APP, ...extra], { input });

test('each typed line becomes the right message, from one user, and every reply is rendered', async () => {
  server.fault = 'none';
  const before = server.received.length;
  const input = [
    '你好',
    '/image https://example.com/cat.jpg',
    '/voice 今天天气怎么样',
    '/location 23.13 113.35 广州 塔',
    '/subscribe',
    '/click V1001_TODAY_MUSIC',
    '//slash text',
    '',
    '/help',
    '/quit',
    'never sent',
  ].join('\n');
  const r = await chat(`${input}\n`);
  assert.equal(r.code, 0, r.stderr);
  const got = server.received.slice(before).map((x) => x.message!);
  assert.deepEqual(
    got.map((m) => (m.MsgType === 'event' ? `event:${(m as { Event: string }).Event}` : m.MsgType)),
    ['text', 'image', 'voice', 'location', 'event:subscribe', 'event:CLICK', 'text'],
  );
  assert.equal(new Set(got.map((m) => m.FromUserName)).size, 1);
  const g = got as unknown as Record<string, unknown>[];
  assert.equal(g[0]!.Content, '你好');
  assert.equal(g[1]!.PicUrl, 'https://example.com/cat.jpg');
  assert.equal(g[2]!.Recognition, '今天天气怎么样');
  assert.deepEqual([g[3]!.Location_X, g[3]!.Location_Y, g[3]!.Label], [23.13, 113.35, '广州 塔']);
  assert.equal(g[5]!.EventKey, 'V1001_TODAY_MUSIC');
  assert.equal(g[6]!.Content, '/slash text');
  // Safe mode (a key is configured): every push was encrypted.
  assert.ok(server.received.slice(before).every((x) => x.url.includes('encrypt_type=aes')));
  assert.equal(r.stdout.match(/✓ WeChat would accept this reply/g)?.length, 7);
  assert.match(r.stdout, /┃ you said: 你好/);
  assert.match(r.stdout, /^\/location LAT LNG label… +a location$/m); // /help
  assert.doesNotMatch(r.stdout, /never sent/);
  assert.match(r.stderr, /Chatting with http:\/\/127\.0\.0\.1:\d+\/wechat as oUse…0001 \(safe mode\)/);
});

test('chat lines take the options of their subcommand; an unknown one is an error line and the chat goes on', async () => {
  server.fault = 'none';
  const before = server.received.length;
  const input = [
    '/location 23 113 --label 塔',
    '/image https://e.com/a.jpg --media-id MID123',
    '/voice --format speex',
    '/image https://e.com/b.jpg --frob 1',
    '你好',
  ].join('\n');
  const r = await chat(`${input}\n`, ['--json']);
  assert.equal(r.code, 0, r.stderr);
  const got = server.received.slice(before).map((x) => x.message!) as unknown as Record<string, unknown>[];
  assert.deepEqual(
    got.map((m) => m.MsgType),
    ['location', 'image', 'voice', 'text'],
  );
  assert.equal(got[0]!.Label, '塔');
  assert.equal(got[1]!.MediaId, 'MID123');
  assert.equal(got[2]!.Format, 'speex');
  assert.equal(got[2]!.Recognition, undefined);
  assert.equal(got[3]!.Content, '你好');
  assert.match(r.stderr, /^\/image takes --media-id, not --frob \(usage: \/image URL --media-id ID\)$/m);
  assert.equal(r.stdout.trim().split('\n').length, 4);
});

test('the same checks run on every reply: one bad reply makes the exit code 1', async () => {
  server.fault = 'ids-not-swapped';
  const r = await chat('one\ntwo\n', ['--mode', 'plain']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.match(/problem: ToUserName and FromUserName are not swapped/g)?.length, 2);
  server.fault = 'none';
});

test('no answer: the --retry hint once per session, not with --retry', async () => {
  server.fault = 'slow';
  const r = await chat('one\ntwo\n', ['--mode', 'plain', '--timeout', '200ms']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.match(/problem: no answer within 0\.20 s/g)?.length, 2);
  assert.equal(r.stderr.match(/hint: WeChat delivers an unanswered message again/g)?.length, 1);
  const retried = await chat('three\n', ['--mode', 'plain', '--timeout', '200ms', '--retry']);
  assert.doesNotMatch(retried.stderr, /hint:/);
  server.fault = 'none';
});

test('bad commands explain themselves and send nothing', async () => {
  server.fault = 'none';
  const before = server.received.length;
  const r = await chat('/location here\n/frobnicate\n/click\n/location --help\n');
  assert.equal(r.code, 0);
  assert.equal(server.received.length, before);
  assert.match(r.stderr, /^\/location needs LNG \(usage: \/location LAT LNG label… --scale ZOOM\)$/m);
  assert.match(r.stderr, /unknown command \/frobnicate; \/help lists the commands/);
  assert.match(r.stderr, /^\/click needs KEY \(usage: \/click KEY\)$/m);
  assert.match(r.stdout, /^ {2}--scale ZOOM +map zoom \(default 15\)$/m);
});

test('--json prints one object per reply (JSON lines)', async () => {
  server.fault = 'none';
  const r = await chat('a\n/subscribe\n', ['--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.deepEqual(
    lines.map((l) => l.reply.Content),
    ['you said: a', 'you said: event subscribe'],
  );
});

test('an unreachable server: each line reports it, exit 3', async () => {
  const r = await wxbot(['simulate', '--url', 'http://127.0.0.1:1/wechat', '--token', TOKEN], { input: 'hello\n' });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /ECONNREFUSED/);
});
