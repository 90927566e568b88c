import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, type TestFn, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Bot } from '../../src/bot/bot.js';
import { createBot } from '../../src/bot/bot.js';
import { assertConvo } from '../../src/testing/assert-convo.js';
import { parseConvo } from '../../src/testing/convo-parse.js';
import { formatJunit, formatTap, formatTextReport } from '../../src/testing/report.js';
import { runConversations, runConvoFiles } from '../../src/testing/run-files.js';
import { startHoldingServer } from '../helpers/holding-server.js';
import { mediaFiles } from '../helpers/media-files.js';
import { ISSUE_EXAMPLE } from './issue-example.js';
import { scaffoldBot } from './scaffold-bot.js';

let scaffold: Bot;
before(async () => {
  scaffold = await scaffoldBot();
});

async function dirWith(
  t: { after: (fn: () => Promise<void>) => void },
  files: Record<string, string>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-convo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

test("the issue's example passes against the scaffold's bot, in plain, compatible and safe mode, in-process", async () => {
  for (const mode of ['plain', 'compat', 'safe'] as const) {
    const r = await runConversations(parseConvo(ISSUE_EXAMPLE, 'hello.convo'), { bot: scaffold, mode });
    assert.ok(r.ok, formatTextReport(r));
    assert.equal(r.conversations[0]!.turns.length, 7);
    for (const t of r.conversations[0]!.turns) assert.deepEqual(t.problems, [], `${mode} line ${t.line}`);
  }
});

test('a failing turn says where, what was expected and what came back; later turns still run', async () => {
  const text = '# 失败\n> 你好\n< 你好！\n\n> [click ABOUT]\n< [news] 别的\n\n> 复读 ok\n< ok\n';
  const r = await runConversations(parseConvo(text, 'tests/fail.convo'), { bot: scaffold });
  assert.equal(r.ok, false);
  const [first, second, third] = r.conversations[0]!.turns;
  assert.deepEqual([first!.ok, first!.failure, first!.line], [false, 'mismatch', 2]);
  assert.deepEqual(first!.expected, ['你好！']);
  assert.deepEqual(first!.actual, ['你好！我是你的公众号机器人。发送「帮助」看看我能做什么。']);
  assert.deepEqual([second!.expected, second!.actual], [['[news] 别的'], ['[news] 关于这个机器人']]);
  assert.ok(third!.ok);
  const out = formatTextReport(r, { columns: 120 });
  assert.match(out, /✗ 失败 · 3 turns/);
  assert.match(out, /✗ tests\/fail\.convo:2 {2}> 你好\n {8}expected │ actual\n {8}你好！ {3}│ 你好！我是你的/);
  assert.match(out, /1 conversation: 0 passed, 1 failed · 3 turns/);
  const narrow = formatTextReport(r, { columns: 30 });
  assert.match(narrow, /expected\n {10}你好！\n {8}actual\n {10}你好！我是/, 'one under the other when too wide');
});

test("a reply WeChat would reject fails the turn even when it matches (the simulator's judge)", async () => {
  // The bot refuses such a value however a handler sets it (BAD_REPLY); a bot from another copy of
  // wxbot (an older one, without that check) still sends it, and the judge catches it.
  const bot = { handle: async () => ({ MsgType: 'music', Music: { Title: '今日歌曲' } }) } as unknown as Bot;
  const r = await runConversations(parseConvo('> 歌\n< [music] 今日歌曲\n', 'm.convo'), { bot, mode: 'safe' });
  const t = r.conversations[0]!.turns[0]!;
  assert.deepEqual([t.ok, t.failure], [false, 'rejected']);
  assert.match(t.problems.join('\n'), /music reply without <Music><ThumbMediaId>/);
  assert.match(formatTextReport(r), /WeChat would reject it: music reply without/);
});

test('sessions last within a conversation and not into the next; two events in one second are both handled', async () => {
  const bot = createBot()
    .click('COUNT', async (ctx) =>
      String((await ctx.session.update((s) => ({ n: ((s?.n as number | undefined) ?? 0) + 1 }))).n),
    )
    .text('多少', async (ctx) => String((await ctx.session.get())?.n ?? 0));
  const text = '> [click COUNT]\n< 1\n> [click COUNT]\n< 2\n> 多少\n< 2\n---\n> 多少\n< 0\n';
  const r = await runConversations(parseConvo(text, 's.convo'), { bot });
  assert.ok(r.ok, formatTextReport(r));
});

test('a fake clock: [wait 25h] lets a 24-hour session expire in no time; @clock sets the date', async () => {
  const bot = createBot()
    .text(/^记住 (.+)$/, async (ctx) => {
      await ctx.session.set({ v: ctx.match![1] });
      return '好';
    })
    .text('记得吗', async (ctx) => ((await ctx.session.get())?.v as string | undefined) ?? '忘了')
    .text('几号', () => new Date().toISOString().slice(0, 10));
  const text = [
    '@clock 2030-05-01T08:00:00Z',
    '> 几号',
    '< 2030-05-01',
    '> 记住 苹果',
    '< 好',
    '> [wait 23h]',
    '> 记得吗',
    '< 苹果',
    '> [wait 25h]',
    '> 记得吗',
    '< 忘了',
    '> 几号',
    '< 2030-05-03',
  ].join('\n');
  const started = performance.now();
  const r = await runConversations(parseConvo(text, 'clock.convo'), { bot });
  assert.ok(r.ok, formatTextReport(r));
  assert.ok(performance.now() - started < 2000, 'no real waiting');
  assert.ok(Math.abs(Date.now() - Date.now()) < 1000 && new Date().getFullYear() < 2030, 'the real clock is back');
  const later = await runConversations(parseConvo('> 几号\n< 2031-01-01\n', 'c.convo'), {
    bot,
    clock: Date.parse('2031-01-01T12:00:00Z'),
  });
  assert.ok(later.ok, formatTextReport(later));
});

test('--update rewrites failing exact texts only, keeping comments, patterns and everything else', async (t) => {
  const original = [
    '# 快照',
    '> 你好',
    '< 旧的问候',
    '< 第二行',
    '',
    '# a comment that stays',
    '> [click ABOUT]',
    '< [news] 别的标题',
    '',
    '> 复读 a',
    '< b',
    '',
  ].join('\n');
  const dir = await dirWith(t, { 'snap.convo': original });
  const r = await runConvoFiles(['snap.convo'], { bot: scaffold, cwd: dir, update: true });
  assert.deepEqual(r.updated, [{ file: 'snap.convo', turns: 2 }]);
  assert.equal(r.ok, false, 'the pattern still fails');
  const now = await readFile(join(dir, 'snap.convo'), 'utf8');
  assert.equal(
    now,
    [
      '# 快照',
      '> 你好',
      '< 你好！我是你的公众号机器人。发送「帮助」看看我能做什么。',
      '',
      '# a comment that stays',
      '> [click ABOUT]',
      '< [news] 别的标题',
      '',
      '> 复读 a',
      '< a',
      '',
    ].join('\n'),
  );
  const again = await runConvoFiles(['snap.convo'], { bot: scaffold, cwd: dir });
  assert.deepEqual(
    again.conversations[0]!.turns.map((x) => x.ok),
    [true, false, true],
  );
});

test('JUnit output is valid XML with a testcase per conversation and the failure details; TAP too', async (t) => {
  const dir = await dirWith(t, {
    'a.convo': ISSUE_EXAMPLE,
    'b.convo': '# <特殊> & "字符"\n> 你好\n< 不对 <&>\n---\n# 好的\n> 复读 x\n< x\n',
  });
  const r = await runConvoFiles([dir], { bot: scaffold, cwd: dir });
  const xml = formatJunit(r);
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  assert.equal(doc.testsuites.tests, '3');
  assert.equal(doc.testsuites.failures, '1');
  const suites = doc.testsuites.testsuite as { name: string; testcase: unknown }[];
  assert.deepEqual(
    suites.map((s) => s.name),
    ['a.convo', 'b.convo'],
  );
  const [bad, good] = suites[1]!.testcase as {
    name: string;
    line: string;
    failure?: { message: string; '#text': string };
  }[];
  assert.equal(bad!.name, '<特殊> & "字符"');
  assert.match(bad!.failure!.message, /^b\.convo:2: the reply is not the expected one$/);
  assert.match(bad!.failure!['#text'], /expected: 不对 <&>\nactual: {3}你好！我是/);
  assert.equal(good!.failure, undefined);
  const tap = formatTap(r);
  assert.match(tap, /^TAP version 13\n1\.\.3\nok 1 - a\.convo › 问候/);
  assert.match(
    tap,
    /\nnot ok 2 - b\.convo › <特殊> & "字符"\n {2}---\n {2}message: "the reply is not the expected one"\n {2}at: "b\.convo:2"/,
  );
  assert.match(tap, /\nok 3 - b\.convo › 好的\n$/);
});

test('assertConvo throws an AssertionError with file:line, expected and actual; passes quietly otherwise', async (t) => {
  const dir = await dirWith(t, { 'ok.convo': ISSUE_EXAMPLE, 'bad.convo': '> 你好\n< 再见\n' });
  assert.equal(await assertConvo(join(dir, 'ok.convo'), { bot: scaffold, cwd: dir }), undefined);
  // The guide's one-liner, `test('conversations', () => assertConvo('tests', { bot }))`, type-checks
  // against node:test's TestFn (which wants void or Promise<void>): `npm test` compiles this file.
  const oneLiner: TestFn = () => assertConvo(join(dir, 'ok.convo'), { bot: scaffold, cwd: dir });
  await oneLiner(t, () => {});
  await assert.rejects(assertConvo('bad.convo', { bot: scaffold, cwd: dir }), (e: Error) => {
    assert.equal(e.name, 'AssertionError');
    assert.match(e.message, /1 conversation\(s\) failed/);
    assert.match(e.message, /bad\.convo:1 {2}> 你好\nexpected: 再见\nactual: {3}你好！我是/);
    return true;
  });
});

test('assertConvo runs a bot replying from files (placeholder media); a handler error is in the failure, and in the reports', async (t) => {
  const dir = await dirWith(t, {
    'cat.convo': '# 猫\n> 猫\n< [image]\n',
    'dog.convo': '# 狗\n> 狗\n< [image]\n',
  });
  await writeFile(join(dir, 'cat.png'), mediaFiles.png());
  const bot = createBot()
    .text('猫', (ctx) => ctx.replyImage({ file: join(dir, 'cat.png') }))
    .text('狗', (ctx) => ctx.replyImage({ file: join(dir, 'dog.png') }));
  await assertConvo('cat.convo', { bot, cwd: dir, mode: 'safe' });
  await assert.rejects(assertConvo('dog.convo', { bot, cwd: dir }), (e: Error) => {
    assert.match(e.message, /actual: {3}\[success\]\nthe handler threw: WechatApiError MEDIA_INVALID: .*dog\.png/);
    return true;
  });
  const r = await runConvoFiles(['dog.convo'], { bot, cwd: dir });
  assert.match(formatTextReport(r), /\[success\]\n {8}the handler threw: WechatApiError MEDIA_INVALID: /);
  assert.match(formatTap(r), /\n {2}error: "WechatApiError MEDIA_INVALID: /);
  assert.match(formatJunit(r), /the handler threw: WechatApiError MEDIA_INVALID: /);
});

test('over HTTP an unanswered push is delivered again, as WeChat does: an answer on delivery 2 passes', async (t) => {
  const server = await startHoldingServer();
  t.after(() => server.close());
  const [convo] = parseConvo('# slow\n> 慢一点\n< [success]\n', 'slow.convo');
  const r = await runConversations([convo!], { url: server.url, token: 'T0ken123', timeoutMs: 1000 });
  assert.equal(r.ok, true, JSON.stringify(r.conversations[0]?.turns));
  assert.equal(server.seen.length, 2, 'delivered twice');
  assert.equal(server.seen[0], server.seen[1], 'the same signed push');
});
