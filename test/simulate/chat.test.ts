import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseSimulatorLine, SimulatorChat, SIMULATOR_HELP, splitWords } from '../../src/simulate/chat.js';
import { SimulateError } from '../../src/simulate/errors.js';
import { BrokenServer } from '../fakes/broken-server.js';

const built = (line: string): Record<string, unknown> => {
  const c = parseSimulatorLine(line);
  assert.equal(c.kind, 'send', `${line} → ${JSON.stringify(c)}`);
  return (c as { build: (u: object) => WechatMessage }).build({ from: 'oU', to: 'gh_x' }) as unknown as Record<
    string,
    unknown
  >;
};

test('plain lines are text; // escapes a leading slash', () => {
  assert.equal(built('你好 世界').Content, '你好 世界');
  assert.equal(built('//help').Content, '/help');
  assert.deepEqual(parseSimulatorLine('   '), { kind: 'empty' });
});

test('slash commands build the documented kinds', () => {
  assert.equal(built('/image https://x/p.jpg').PicUrl, 'https://x/p.jpg');
  assert.equal(built('/voice 今天 天气').Recognition, '今天 天气');
  const loc = built('/location 23.1 113.3 广州 天河');
  assert.deepEqual([loc.Location_X, loc.Location_Y, loc.Label], [23.1, 113.3, '广州 天河']);
  assert.equal(built('/subscribe').Event, 'subscribe');
  assert.equal(built('/subscribe 42').EventKey, 'qrscene_42');
  assert.deepEqual([built('/click K1').Event, built('/click K1').EventKey], ['CLICK', 'K1']);
  assert.equal(built('/unsubscribe').Event, 'unsubscribe');
  assert.equal(built('/scan 9').EventKey, '9');
  assert.equal(built('/view https://x').Event, 'VIEW');
  assert.equal(built('/link https://x A title').Title, 'A title');
  assert.equal(built('/video').MsgType, 'video');
});

test('help, quit, usage errors and unknown commands', () => {
  assert.deepEqual(parseSimulatorLine('/help'), { kind: 'help' });
  assert.deepEqual(parseSimulatorLine('/quit'), { kind: 'quit' });
  assert.deepEqual(parseSimulatorLine('/exit'), { kind: 'quit' });
  assert.equal(
    (parseSimulatorLine('/location north') as { message: string }).message,
    '/location needs LNG (usage: /location LAT LNG label… --scale ZOOM)',
  );
  assert.equal(
    (parseSimulatorLine('/location north 1') as { message: string }).message,
    'lat must be a number, got "north"',
  );
  assert.equal((parseSimulatorLine('/click') as { message: string }).message, '/click needs KEY (usage: /click KEY)');
  assert.deepEqual(parseSimulatorLine('/frob x'), { kind: 'unknown', command: '/frob' });
  // Every kind is listed, as a line writes it.
  for (const c of [
    '/image URL',
    '/voice recognition…',
    '/location LAT LNG label…',
    '/subscribe',
    '/click KEY',
    '/location_event LAT LNG',
    '/pic_weixin KEY count…',
    '/event EVENT fields…',
    '/help',
    '/quit',
  ])
    assert.ok(SIMULATOR_HELP.includes(c), c);
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

test('lines take the options of their `wxbot simulate` subcommand, and events as subcommands', () => {
  assert.equal(built('/shortvideo').MsgType, 'shortvideo');
  const scan = built('/event scancode_waitmsg KEY --scan-result "two words" --scan-type barcode');
  assert.deepEqual(scan.ScanCodeInfo, { ScanType: 'barcode', ScanResult: 'two words' });
  assert.deepEqual(built('/scancode_push KEY hello there').ScanCodeInfo, {
    ScanType: 'qrcode',
    ScanResult: 'hello there',
  });
  assert.equal((built('/event pic_weixin K --count 3').SendPicsInfo as { Count: number }).Count, 3);
  assert.equal((built('/pic_weixin K 2').SendPicsInfo as { Count: number }).Count, 2);
  assert.equal(built('/event SCAN 77').EventKey, '77');
  assert.equal(built('/event custom kf_close_session KfAccount=a@b').KfAccount, 'a@b');
  assert.equal(built('/event kf_close_session KfAccount=a@b').KfAccount, 'a@b');
  assert.deepEqual([built('/event location 1 2').Event, built('/location_event 1 2 30').Precision], ['LOCATION', 30]);
  assert.equal(built('/text hello there').Content, 'hello there');
  const loc = built('/location 23 113 --label 塔 --scale 16');
  assert.deepEqual([loc.Location_X, loc.Location_Y, loc.Label, loc.Scale], [23, 113, '塔', 16]);
  assert.equal(built('/location -33.8 151.2 悉尼 歌剧院').Label, '悉尼 歌剧院');
  const image = built('/image https://e.com/a.jpg --media-id MID123');
  assert.deepEqual([image.PicUrl, image.MediaId], ['https://e.com/a.jpg', 'MID123']);
  const speex = built('/voice --format speex');
  assert.equal(speex.Format, 'speex');
  assert.equal('Recognition' in speex, false);
  assert.deepEqual(
    [built('/voice 今天 天气 --media-id V1').Recognition, built('/voice --recognition 你好').Recognition],
    ['今天 天气', '你好'],
  );
  assert.deepEqual(
    [built('/video --media-id M --thumb-media-id T').MediaId, built('/video --thumb-media-id T').ThumbMediaId],
    ['M', 'T'],
  );
  const link = built('/link https://e.com Two words --description "a b"');
  assert.deepEqual([link.Title, link.Description], ['Two words', 'a b']);
  assert.equal(built('/subscribe --scene 8').EventKey, 'qrscene_8');
  assert.equal('EventKey' in built('/subscribe'), false);
  assert.deepEqual([built('/CLICK K').Event, built('/click K').EventKey], ['CLICK', 'K']);
  assert.equal(built('/view https://e.com --menu-id 7').MenuId, 7);
  assert.equal(
    built('/click --not-an-option').EventKey,
    '--not-an-option',
    'a kind without options keeps dashed words',
  );
});

test('a line with an option its kind does not take is an error, not text; --help shows the kind', () => {
  const error = (line: string) => {
    const c = parseSimulatorLine(line);
    assert.equal(c.kind, 'error', `${line} → ${JSON.stringify(c)}`);
    return (c as { message: string }).message;
  };
  assert.equal(
    error('/image https://e.com/a.jpg --frob 1'),
    '/image takes --media-id, not --frob (usage: /image URL --media-id ID)',
  );
  assert.equal(
    error('/location 23 113 --lable 塔'),
    '/location takes --label, --scale, not --lable (did you mean --label?)',
  );
  assert.match(error('/event click K --scene 1'), /^\/click takes no more words, got "--scene 1"/);
  assert.equal(error('/location 23 113 塔 --label 塔'), '/location: the label is given twice: as words and as --label');
  assert.equal(error('/image --media-id'), '/image: --media-id needs a value (usage: /image URL --media-id ID)');
  assert.equal(error('/location 200 1'), 'lat must be from -90 to 90, got 200');
  const help = parseSimulatorLine('/location --help');
  assert.equal(help.kind, 'help');
  const text = (help as { text: string }).text;
  assert.match(text, /^\/location LAT LNG label… +a location$/m);
  assert.match(text, /^ {2}--scale ZOOM +map zoom \(default 15\)$/m);
  assert.match(text, /^ {2}--label LABEL +place name \(or the words after LAT LNG\)$/m);
  assert.match(text, /^e\.g\. \/location 23\.134521 113\.358803 --label 广州塔$/m);
  const events = parseSimulatorLine('/event --help');
  assert.equal(events.kind, 'help');
  assert.match((events as { text: string }).text, /^\/scancode_waitmsg KEY scan-result… +a code scanned/m);
  assert.doesNotMatch((events as { text: string }).text, /^\/image/m);
});

const TOKEN = 'tok123';
let server: BrokenServer;
before(async () => {
  server = await new BrokenServer({ token: TOKEN }).start();
});
after(() => server.close());

test('a session sends as one user, judges every reply, and counts', async () => {
  const chat = new SimulatorChat({ url: server.url, settings: { token: TOKEN, mode: 'plain' }, from: 'oFixedUser' });
  const a = await chat.handle('hello');
  const b = await chat.handle('/click K');
  assert.equal(a.kind, 'sent');
  assert.equal(b.kind, 'sent');
  if (a.kind === 'sent') assert.equal(a.result.reply?.MsgType === 'text' && a.result.reply.Content, 'you said: hello');
  assert.deepEqual(
    server.received.slice(-2).map((r) => r.message?.FromUserName),
    ['oFixedUser', 'oFixedUser'],
  );
  server.fault = 'html-body';
  const c = await chat.handle('broken');
  server.fault = 'none';
  assert.ok(c.kind === 'sent' && c.result.problems.length === 1);
  assert.deepEqual(chat.stats, { sent: 3, withProblems: 1, unreachable: 0 });
});

test('a session answers help and errors as turns, sending nothing', async () => {
  const chat = new SimulatorChat({ url: server.url, settings: { token: TOKEN, mode: 'plain' } });
  const before = server.received.length;
  const t = await chat.handle('/shortvideo');
  assert.ok(t.kind === 'sent' && t.message.MsgType === 'shortvideo');
  assert.deepEqual(await chat.handle('/nope'), {
    kind: 'error',
    message: 'unknown command /nope; /help lists the commands',
  });
  assert.deepEqual(await chat.handle('/click'), { kind: 'error', message: '/click needs KEY (usage: /click KEY)' });
  assert.deepEqual(await chat.handle('/help'), { kind: 'help', text: SIMULATOR_HELP });
  assert.equal(server.received.length, before + 1);
});

test('an unreachable server is a turn, not a crash; bad settings fail up front', async () => {
  const chat = new SimulatorChat({ url: 'http://127.0.0.1:1/wechat', settings: { token: TOKEN, mode: 'plain' } });
  const t = await chat.handle('hi');
  assert.equal(t.kind, 'unreachable');
  assert.equal(chat.stats.unreachable, 1);
  assert.throws(
    () => new SimulatorChat({ url: server.url, settings: { token: TOKEN, mode: 'safe' } }),
    (e: unknown) => e instanceof SimulateError && e.code === 'SIMULATE_CONFIG',
  );
});
