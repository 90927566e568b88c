import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WechatMessage } from '../../src/protocol/messages.js';
import { parseSimulatorLine, SimulatorChat, SIMULATOR_HELP } from '../../src/simulate/chat.js';
import { SimulateError } from '../../src/simulate/errors.js';
import { shortVideoMessage } from '../../src/simulate/messages.js';
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
  assert.match(
    (parseSimulatorLine('/location north') as { message: string }).message,
    /usage: \/location LAT LNG LABEL/,
  );
  assert.match((parseSimulatorLine('/click') as { message: string }).message, /usage: \/click KEY/);
  assert.deepEqual(parseSimulatorLine('/frob x'), { kind: 'unknown', command: '/frob' });
  for (const c of [
    '/image URL',
    '/voice TEXT',
    '/location LAT LNG LABEL',
    '/subscribe',
    '/click KEY',
    '/help',
    '/quit',
  ])
    assert.ok(SIMULATOR_HELP.includes(c), c);
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

test('the fallback sees unknown slash commands', async () => {
  const chat = new SimulatorChat({ url: server.url, settings: { token: TOKEN, mode: 'plain' } });
  const t = await chat.handle('/shortvideo', (line) =>
    line === '/shortvideo'
      ? { kind: 'send', build: (u) => shortVideoMessage({}, u) }
      : { kind: 'unknown', command: line },
  );
  assert.ok(t.kind === 'sent' && t.message.MsgType === 'shortvideo');
  assert.deepEqual(await chat.handle('/nope'), {
    kind: 'error',
    message: 'unknown command /nope; /help lists the commands',
  });
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
