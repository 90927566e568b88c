/** In-process tests of the CLI helpers: option parsing, default URL, chat-line subcommands. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { writeDevSession } from '../../src/config/dev-session.js';
import { parseKindLine, splitWords } from '../../src/cli/simulate-line.js';
import { DEFAULT_URL, defaultUrl, parseTimeout, resolveSimulate } from '../../src/cli/simulate-options.js';
import type { WechatMessage } from '../../src/protocol/messages.js';
import * as messages from '../../src/simulate/messages.js';

test('--timeout: bare numbers are seconds, ms suffix is milliseconds', () => {
  assert.equal(parseTimeout('5'), 5000);
  assert.equal(parseTimeout('0.3'), 300);
  assert.equal(parseTimeout('2s'), 2000);
  assert.equal(parseTimeout('250ms'), 250);
  for (const bad of ['0', '-1', 'soon', '1m'])
    assert.throws(
      () => parseTimeout(bad),
      (e: unknown) => e instanceof CliError && e.exitCode === 2,
    );
});

test("the default URL is WXBOT_URL, else serve's port/path, else 127.0.0.1:5050/wechat", () => {
  assert.equal(defaultUrl({}), DEFAULT_URL);
  assert.equal(DEFAULT_URL, 'http://127.0.0.1:5050/wechat');
  assert.equal(defaultUrl({ WXBOT_URL: 'https://x/y', WXBOT_PORT: '1' }), 'https://x/y');
  assert.equal(defaultUrl({ WXBOT_PORT: '8080' }), 'http://127.0.0.1:8080/wechat');
  assert.equal(defaultUrl({ PORT: '3000', WXBOT_PATH: 'hook' }), 'http://127.0.0.1:3000/hook');
});

test('settings: flags beat env; mode defaults to safe only with a key', () => {
  const env = { WECHAT_TOKEN: 'envtok', WECHAT_AES_KEY: 'A'.repeat(43), WECHAT_APP_ID: 'wx1234567890abcdef' };
  assert.equal(resolveSimulate({}, env).settings.mode, 'safe');
  assert.equal(resolveSimulate({}, { WECHAT_TOKEN: 't' }).settings.mode, 'plain');
  assert.equal(resolveSimulate({ token: 'flagtok' }, env).settings.token, 'flagtok');
  assert.equal(resolveSimulate({ mode: 'plain' }, env).settings.mode, 'plain');
  assert.throws(
    () => resolveSimulate({}, {}, mkdtempSync(join(tmpdir(), 'wxbot-units-'))),
    /no Token: start `wxbot serve` in this directory/,
  );
  assert.throws(
    () => resolveSimulate({ mode: 'compat' }, { WECHAT_TOKEN: 't', WECHAT_AES_KEY: 'A'.repeat(43) }),
    /AppID/,
  );
});

test("with no Token configured, the running serve's dev session supplies the Token and the default URL", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'wxbot-units-'));
  writeDevSession(cwd, {
    token: 'sessionTok99',
    url: 'http://127.0.0.1:6123/hook',
    pid: process.pid,
    startedAt: new Date().toISOString(),
  });
  const r = resolveSimulate({}, {}, cwd);
  assert.equal(r.settings.token, 'sessionTok99');
  assert.equal(r.url, 'http://127.0.0.1:6123/hook');
  assert.equal(resolveSimulate({ url: 'http://x/y' }, {}, cwd).url, 'http://x/y', '--url wins');
  assert.equal(resolveSimulate({}, { WXBOT_PORT: '7000' }, cwd).url, 'http://127.0.0.1:7000/wechat', 'WXBOT_PORT wins');
  assert.equal(resolveSimulate({}, { WXBOT_URL: 'http://u/v' }, cwd).url, 'http://u/v', 'WXBOT_URL wins');
  assert.equal(resolveSimulate({}, { WXBOT_PORT: '7000' }, cwd).settings.token, 'sessionTok99');
  const configured = resolveSimulate({}, { WECHAT_TOKEN: 'envtok' }, cwd);
  assert.equal(configured.settings.token, 'envtok', 'a configured Token ignores the session');
  assert.equal(configured.url, DEFAULT_URL, '... and its URL');
  assert.equal(resolveSimulate({ token: 'flagtok' }, {}, cwd).settings.token, 'flagtok');
});

test('splitWords keeps quoted words together', () => {
  assert.deepEqual(splitWords('link https://x --title "Two words" \'and more\''), [
    'link',
    'https://x',
    '--title',
    'Two words',
    'and more',
  ]);
});

const send = (line: string): Record<string, unknown> => {
  const c = parseKindLine(line, messages);
  assert.equal(c.kind, 'send', `${line} → ${JSON.stringify(c)}`);
  return (c as { build: (u: object) => WechatMessage }).build({}) as unknown as Record<string, unknown>;
};

test('chat lines reuse the subcommand definitions, options included', () => {
  assert.equal(send('/shortvideo').MsgType, 'shortvideo');
  const scan = send('/event scancode_waitmsg KEY --scan-result "two words" --scan-type barcode');
  assert.deepEqual(scan.ScanCodeInfo, { ScanType: 'barcode', ScanResult: 'two words' });
  assert.equal((send('/event pic_weixin K --count 3').SendPicsInfo as { Count: number }).Count, 3);
  assert.equal(send('/event SCAN 77').EventKey, '77');
  assert.equal(send('/event custom kf_close_session KfAccount=a@b').KfAccount, 'a@b');
  assert.equal(send('/text hello there').Content, 'hello there');
});

test('the chat shortcuts take their subcommand options; words after the arguments still work', () => {
  const loc = send('/location 23 113 --label 塔 --scale 16');
  assert.deepEqual([loc.Location_X, loc.Location_Y, loc.Label, loc.Scale], [23, 113, '塔', 16]);
  assert.equal(send('/location -33.8 151.2 悉尼 歌剧院').Label, '悉尼 歌剧院');
  const image = send('/image https://e.com/a.jpg --media-id MID123');
  assert.deepEqual([image.PicUrl, image.MediaId], ['https://e.com/a.jpg', 'MID123']);
  const speex = send('/voice --format speex');
  assert.equal(speex.Format, 'speex');
  assert.equal('Recognition' in speex, false);
  assert.deepEqual(
    [send('/voice 今天 天气 --media-id V1').Recognition, send('/voice --recognition 你好').Recognition],
    ['今天 天气', '你好'],
  );
  assert.deepEqual(
    [send('/video --media-id M --thumb-media-id T').MediaId, send('/video --thumb-media-id T').ThumbMediaId],
    ['M', 'T'],
  );
  const link = send('/link https://e.com Two words --description "a b"');
  assert.deepEqual([link.Title, link.Description], ['Two words', 'a b']);
  assert.equal(send('/subscribe 7').EventKey, 'qrscene_7');
  assert.equal(send('/subscribe --scene 8').EventKey, 'qrscene_8');
  assert.equal('EventKey' in send('/subscribe'), false);
  assert.equal(send('/unsubscribe').Event, 'unsubscribe');
  assert.equal(send('/scan 42').EventKey, '42');
  assert.deepEqual([send('/CLICK K').Event, send('/click K').EventKey], ['CLICK', 'K']);
  assert.equal(send('/view https://e.com --menu-id 7').MenuId, 7);
});

test('a chat line with an option its command does not take is an error line, not text', () => {
  const error = (line: string) => {
    const c = parseKindLine(line, messages);
    assert.equal(c.kind, 'error', `${line} → ${JSON.stringify(c)}`);
    return (c as { message: string }).message;
  };
  assert.equal(
    error('/image https://e.com/a.jpg --frob 1'),
    "/image: unknown option '--frob' (/image --help lists its options)",
  );
  assert.match(
    error('/location 23 113 --lable 塔'),
    /^\/location: unknown option '--lable' \(Did you mean --label\?\)/,
  );
  assert.match(error('/event click K --scene 1'), /^\/event click: unknown option '--scene'/);
  assert.equal(error('/location 23 113 塔 --label 塔'), '/location: the label is given twice: as words and as --label');
  assert.equal(error('/click'), "/click: missing required argument 'key' (usage: /click [options] <key>)");
  const help = parseKindLine('/location --help', messages);
  assert.equal(help.kind, 'help');
  assert.match((help as { text: string }).text, /--scale <zoom>/);
});

test('chat lines: help, errors and unknown names come back as turns', () => {
  const help = parseKindLine('/event --help', messages);
  assert.equal(help.kind, 'help');
  assert.match((help as { text: string }).text, /scancode_waitmsg/);
  const missing = parseKindLine('/event click', messages);
  assert.equal(missing.kind, 'error');
  assert.match((missing as { message: string }).message, /^\/event click: missing required argument 'key'/);
  assert.deepEqual(parseKindLine('/nonsense 1', messages), { kind: 'unknown', command: '/nonsense' });
});
