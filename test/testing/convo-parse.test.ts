import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { matchesExpectation, parseExpectation, replyLines } from '../../src/testing/convo-expect.js';
import { formatConvo } from '../../src/testing/convo-format.js';
import { escapeSendText, messageLine, unescapeSendText } from '../../src/testing/convo-kinds.js';
import { ConvoSyntaxError, parseConvo } from '../../src/testing/convo-parse.js';
import { helloConvo } from '../../src/init/templates.js';
import { ISSUE_EXAMPLE } from './issue-example.js';

const build = (c: ReturnType<typeof parseConvo>[number], i: number): WechatMessage => {
  const step = c.turns[i]!.step;
  assert.equal(step.kind, 'message');
  return step.kind === 'message' ? step.build({ from: 'oU', now: 1_700_000_000_000 }) : (undefined as never);
};

/** The syntax error `text` is refused with, as `bad.convo` (fails the test when it parses). */
function syntaxErrorOf(text: string): ConvoSyntaxError {
  try {
    parseConvo(text, 'bad.convo');
  } catch (e) {
    assert.ok(e instanceof ConvoSyntaxError, String(e));
    return e;
  }
  assert.fail('the file parsed without a syntax error');
}

test("wxbot init's tests/hello.convo is the issue's example, its name line split from the comment explaining it", () => {
  const [first, ...rest] = ISSUE_EXAMPLE.split('\n');
  assert.equal(first, '# 问候 (a comment; the first comment line names the conversation)');
  const template = helloConvo();
  assert.equal(
    template,
    ['# 问候', '# Lines starting with # are comments; the first one names the conversation.', ...rest].join('\n'),
  );
  assert.equal(parseConvo(template, 'tests/hello.convo')[0]!.name, '问候');
});

test('the example of the issue parses as written: names, kinds, expectations, lines', () => {
  const [c, ...more] = parseConvo(ISSUE_EXAMPLE, 'tests/hello.convo');
  assert.equal(more.length, 0);
  assert.equal(c!.name, '问候 (a comment; the first comment line names the conversation)');
  assert.deepEqual(
    c!.turns.map((t) => t.line),
    [2, 5, 8, 11, 14, 17, 20],
  );
  assert.deepEqual(c!.turns[0]!.expect, {
    kind: 'exact',
    text: '你好！我是你的公众号机器人。发送「帮助」看看我能做什么。',
  });
  assert.deepEqual(c!.turns[2]!.expect, { kind: 'contains', text: '感谢关注' });
  assert.deepEqual(c!.turns[3]!.expect, { kind: 'type', type: 'news', title: '关于这个机器人' });
  assert.equal(c!.turns[4]!.expect?.kind, 'regex');
  assert.deepEqual(c!.turns[5]!.expect, { kind: 'any' });
  const m = [0, 1, 2, 3, 4, 5, 6].map((i) => build(c!, i)) as unknown as Record<string, unknown>[];
  assert.equal(m[0]!.Content, '你好');
  assert.equal(m[2]!.Event, 'subscribe');
  assert.deepEqual([m[3]!.Event, m[3]!.EventKey], ['CLICK', 'ABOUT']);
  assert.deepEqual([m[4]!.MsgType, m[4]!.PicUrl], ['image', 'https://example.com/a.jpg']);
  assert.deepEqual([m[5]!.Location_X, m[5]!.Location_Y, m[5]!.Label], [39.9, 116.4, '天安门']);
  assert.deepEqual([m[6]!.Event, m[6]!.EventKey], ['SCAN', '42']);
  assert.equal(m[0]!.FromUserName, 'oU');
});

test('several `<` lines are one multi-line reply; settings, users and --- between conversations', () => {
  const text = [
    '@user oAlice',
    '@mode safe',
    '> 帮助',
    '< 第一行',
    '<',
    '< \\~第三行',
    '',
    '@user oBob',
    '> [voice 今天天气]',
    '---',
    '# 第二个',
    '@clock 2026-01-01T09:00:00+08:00',
    '> hi',
    '> [wait 25h]',
    '> [text [not a kind]',
    '> \\[also text',
  ].join('\r\n');
  const [a, b] = parseConvo(text, 'dir/many.convo');
  assert.equal(a!.name, 'many #1');
  assert.deepEqual(a!.turns[0]!.expect, { kind: 'exact', text: '第一行\n\n\\~第三行' });
  assert.deepEqual([a!.turns[0]!.expectFrom, a!.turns[0]!.expectTo], [4, 6]);
  assert.deepEqual([a!.turns[0]!.user, a!.turns[0]!.mode, a!.turns[1]!.user], ['oAlice', 'safe', 'oBob']);
  assert.equal(b!.name, '第二个');
  assert.equal(b!.clock, Date.parse('2026-01-01T01:00:00Z'));
  assert.equal(b!.turns[0]!.user, undefined, 'settings end with their conversation');
  assert.deepEqual(b!.turns[1]!.step, { kind: 'wait', ms: 25 * 3600_000 });
  assert.equal((build(b!, 2) as { Content?: string }).Content, '[not a kind');
  assert.equal((build(b!, 3) as { Content?: string }).Content, '[also text');
});

test('every mistake is reported with its line, all at once', () => {
  const text = [
    '< a reply before anything was sent',
    '> [teleport home]',
    '> [location north east]',
    'hello',
    '@colour blue',
    '> ok',
    '< [news] x',
    '< second line of a typed reply',
    '> fine',
    '< /([unclosed/',
  ].join('\n');
  const e = syntaxErrorOf(text);
  assert.deepEqual(
    e.problems.map((p) => p.line),
    [1, 2, 3, 4, 5, 7, 10],
  );
  assert.match(e.message, /^bad\.convo:1: a `<` reply line needs a `>` line before it$/m);
  assert.match(e.message, /^bad\.convo:2: unknown kind "\[teleport\]"/m);
  assert.match(e.message, /^bad\.convo:3: lat must be a number, got "north"$/m);
  assert.match(e.message, /^bad\.convo:5: unknown setting @colour/m);
  assert.match(e.message, /^bad\.convo:10: not a valid regular expression/m);
});

test('expectations: exact, ~contains, /regex/, [type] title, [success], *', () => {
  const text = { reply: { MsgType: 'text' as const, Content: '收到一张图片：https://x' }, ack: null };
  const news = { reply: { MsgType: 'news' as const, Articles: [{ Title: '关于', Description: 'wxbot' }] }, ack: null };
  const none = { reply: null, ack: 'success' as const };
  const rejected = { reply: null, ack: null };
  const e = (s: string) => parseExpectation([s]);
  assert.ok(matchesExpectation(e('收到一张图片：https://x'), text));
  assert.ok(!matchesExpectation(e('收到一张图片'), text));
  assert.ok(matchesExpectation(e('~图片'), text));
  assert.ok(matchesExpectation(e('/^收到/'), text));
  assert.ok(matchesExpectation(e('/WXBOT/i'), news));
  assert.ok(matchesExpectation(e('[news] 关于'), news));
  assert.ok(matchesExpectation(e('[news]'), news));
  assert.ok(!matchesExpectation(e('[news] 别的'), news));
  assert.ok(!matchesExpectation(e('[image]'), news));
  assert.ok(matchesExpectation(e('[success]'), none));
  assert.ok(!matchesExpectation(e('[success]'), text));
  assert.ok(matchesExpectation(e('*'), text) && matchesExpectation(e('*'), none));
  assert.ok(!matchesExpectation(e('*'), rejected));
  const g = e('/图片/g');
  assert.ok(matchesExpectation(g, text) && matchesExpectation(g, text), 'a /g regex matches every time');
  assert.throws(() => parseExpectation(['[news] x', 'more']), /takes one line/);
  assert.throws(() => e('[gif]'), /unknown reply type \[gif\]/);
  assert.deepEqual(replyLines(news), ['[news] 关于']);
  assert.deepEqual(replyLines(none), ['[success]']);
  assert.deepEqual(replyLines({ reply: { MsgType: 'text', Content: '*' }, ack: null }), ['\\*']);
  assert.deepEqual(replyLines({ reply: { MsgType: 'transfer_customer_service' }, ack: null }), ['[transfer]']);
});

test('formatConvo writes what parseConvo reads back: every kind, users, multi-line and marker texts', () => {
  const u = { from: 'oA', now: 1_700_000_000_000 };
  const [c0] = parseConvo(
    [
      '> [image https://e.com/p.jpg]',
      '> [voice 你好]',
      '> [location 23.1 113.3 广州 塔]',
      '> [link https://e.com/a 标题]',
      '> [subscribe 7]',
      '> [unsubscribe]',
      '> [scan 42]',
      '> [click K]',
      '> [view https://e.com]',
      '> [location_event 1 2]',
      '> [scancode_push K r]',
      '> [pic_weixin K 2]',
      '> [location_select K 1 2 L]',
      '> [event kf_create_session KfAccount=a@b]',
    ].join('\n'),
  );
  const messages = c0!.turns.map((t) => (t.step.kind === 'message' ? t.step.build(u) : (undefined as never)));
  const text = formatConvo(
    [
      { user: 'oA', send: '第一行\n[第二行] \\ 反斜杠', replies: '~不是模式\n第二行' },
      { user: 'oA', send: '[看起来像', replies: null },
      { user: 'oB', send: messages[0]!, replies: { MsgType: 'news', Articles: [{ Title: 'T' }] } },
      ...messages.slice(1).map((m) => ({ user: 'oB', send: m })),
    ],
    { name: '往返' },
  );
  assert.match(text, /^# 往返\n\n@user oA\n> 第一行\\n\[第二行\] \\\\ 反斜杠\n< \\~不是模式\n< 第二行\n/);
  const [back] = parseConvo(text);
  assert.equal(back!.name, '往返');
  const again = back!.turns.map((t) => (t.step.kind === 'message' ? t.step.build(u) : (undefined as never)));
  assert.equal((again[0] as { Content?: string }).Content, '第一行\n[第二行] \\ 反斜杠');
  assert.deepEqual(back!.turns[0]!.expect, { kind: 'exact', text: '~不是模式\n第二行' });
  assert.equal((again[1] as { Content?: string }).Content, '[看起来像');
  assert.deepEqual(back!.turns[1]!.expect, { kind: 'success' });
  assert.deepEqual(back!.turns[2]!.expect, { kind: 'type', type: 'news', title: 'T' });
  assert.deepEqual(
    back!.turns.map((t) => t.user),
    ['oA', 'oA', ...messages.map(() => 'oB')],
  );
  // The same kind of message with the same arguments, field for field (ids and media are fresh).
  const fresh = /^(MsgId|MediaId|MediaId16K|ThumbMediaId|Ticket|PicMd5Sum|CreateTime)$/;
  const strip = (m: WechatMessage) =>
    JSON.parse(JSON.stringify(m, (k, v) => (fresh.test(k) ? undefined : v))) as Record<string, unknown>;
  assert.deepEqual(again.slice(2).map(strip), messages.map(strip));
  assert.equal(messageLine(messages[4]!), '[subscribe 7]');
  for (const s of ['a\\nb', '\\', '[x', '\\[x', 'multi\nline']) assert.equal(unescapeSendText(escapeSendText(s)), s);
});

test('media ids and other fields a reply may echo: written by formatConvo, sent again as written', () => {
  const [c] = parseConvo(
    [
      '> [video --media-id VID_1 --thumb-media-id THUMB_1]',
      '> [shortvideo --media-id SV_1]',
      '> [image https://e.com/a.jpg --media-id IMG_1]',
      '> [voice 今天 天气 --format speex --media-id VOI_1]',
      '> [location 23.1 113.3 广州 塔 --scale 18]',
      '> [video]',
    ].join('\n'),
  );
  const m = [0, 1, 2, 3, 4, 5].map((i) => build(c!, i)) as unknown as Record<string, unknown>[];
  assert.deepEqual([m[0]!.MediaId, m[0]!.ThumbMediaId], ['VID_1', 'THUMB_1']);
  assert.equal(m[1]!.MediaId, 'SV_1');
  assert.deepEqual([m[2]!.PicUrl, m[2]!.MediaId], ['https://e.com/a.jpg', 'IMG_1']);
  assert.deepEqual([m[3]!.Recognition, m[3]!.Format, m[3]!.MediaId], ['今天 天气', 'speex', 'VOI_1']);
  assert.deepEqual([m[4]!.Label, m[4]!.Scale], ['广州 塔', 18]);
  // Without ids, each run gets fresh ones (so a reply that shows them cannot be pinned).
  assert.notEqual((build(c!, 5) as { MediaId: string }).MediaId, m[5]!.MediaId);

  // A recording writes the ids (defaults such as Format amr and Scale 15 are left out), and reads back the same.
  const lines = m.slice(0, 5).map((x) => messageLine(x as unknown as WechatMessage));
  assert.deepEqual(lines, [
    '[video --media-id VID_1 --thumb-media-id THUMB_1]',
    `[shortvideo --media-id SV_1 --thumb-media-id ${m[1]!.ThumbMediaId}]`,
    '[image https://e.com/a.jpg --media-id IMG_1]',
    '[voice 今天 天气 --format speex --media-id VOI_1]',
    '[location 23.1 113.3 广州 塔 --scale 18]',
  ]);
  const [back] = parseConvo(formatConvo(m.map((x) => ({ send: x as unknown as WechatMessage }))));
  const strip = (x: WechatMessage) => ({ ...x, MsgId: undefined, CreateTime: undefined, MediaId16K: undefined });
  for (const [i, x] of m.entries()) assert.deepEqual(strip(build(back!, i)), strip(x as unknown as WechatMessage));
  assert.match(messageLine(build(c!, 5)), /^\[video --media-id \S{64} --thumb-media-id \S{64}\]$/);
});

test('options the kind does not take, a flag without its value, and empty texts are errors with their line', () => {
  const text = [
    '> [video --mediaid X]',
    '> [image https://e.com/a.jpg --media-id]',
    '> [location 1 2 --lable L]',
    '> [text]',
    '>    ',
    '> \\n',
    '> [click K --media-id X]',
  ].join('\n');
  const e = syntaxErrorOf(text);
  assert.deepEqual(
    e.problems.map((p) => p.line),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.match(
    e.message,
    /^bad\.convo:1: \[video\] takes --media-id, --thumb-media-id, not --mediaid \(did you mean --media-id\?\)$/m,
  );
  assert.match(
    e.message,
    /^bad\.convo:2: \[image\]: --media-id needs a value \(usage: \[image URL --media-id ID\]\)$/m,
  );
  assert.match(
    e.message,
    /^bad\.convo:3: \[location\] takes --label, --scale, not --lable \(did you mean --label\?\)$/m,
  );
  assert.match(e.message, /^bad\.convo:4: \[text\] needs CONTENT \(usage: \[text content…\]\)$/m);
  for (const n of [5, 6])
    assert.match(e.message, new RegExp(`^bad\\.convo:${n}: WeChat sends no empty text: give the text to send$`, 'm'));
  // A kind without options takes no more words than its arguments.
  assert.match(
    e.message,
    /^bad\.convo:7: \[click\] takes no more words, got "--media-id X" \(usage: \[click KEY\]\)$/m,
  );
  // A kind without options keeps such words: a menu key may start with dashes.
  const [c] = parseConvo('> [click --media-id]\n');
  assert.equal((build(c!, 0) as { EventKey: string }).EventKey, '--media-id');
  // A recorded empty text is left out with a comment, its reply too, so the file still parses.
  const file = formatConvo([
    { send: '', replies: 'echo' },
    { send: '你好', replies: '你好呀' },
  ]);
  assert.match(file, /^# left out: an empty text message \(WeChat sends none\) and its reply\n\n> 你好\n< 你好呀\n$/);
  assert.equal(parseConvo(file)[0]!.turns.length, 1);
});

test('a location off the map is refused with its line, by the rule `wxbot simulate` uses', () => {
  assert.throws(
    () => parseConvo('> [location 91 113.35 塔]\n< *\n', 'far.convo'),
    (e: unknown) => e instanceof ConvoSyntaxError && /lat must be from -90 to 90, got 91/.test(e.message),
  );
  assert.equal(parseConvo('> [location -90 180]\n< *\n', 'edge.convo')[0]!.turns.length, 1);
});
