import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROKEN_ACCOUNT, BrokenServer, type Fault, useBrokenServer } from '../fakes/broken-server.js';
import { tempCwd, wxbot } from './simulate-helpers.js';

const { token: TOKEN, aesKey: AES, appId: APP } = BROKEN_ACCOUNT;
let server: BrokenServer;
useBrokenServer((s) => (server = s));

const keys = ['--token', TOKEN, '--aes-key', AES, '--app-id', APP];
function simulate(fault: Fault, args: string[], o: { env?: Record<string, string>; cwd?: string } = {}) {
  server.fault = fault;
  return wxbot(['simulate', ...args, '--url', server.url, ...keys], o);
}

test('a clean reply: chat rendering, exit 0', async () => {
  const r = await simulate('none', ['text', '你好', '--mode', 'plain']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /→ text 你好/);
  assert.match(r.stdout, /← HTTP 200 · \d+ ms · plain mode/);
  assert.match(r.stdout, /┃ you said: 你好/);
  assert.match(r.stdout, /✓ WeChat would accept this reply/);
});

test('--json prints exactly the documented fields first, then the request', async () => {
  const r = await simulate('none', ['text', 'hi', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j).slice(0, 7), ['status', 'ms', 'reply', 'ack', 'raw', 'problems', 'warnings']);
  assert.equal(j.status, 200);
  assert.equal(typeof j.ms, 'number');
  assert.deepEqual(j.reply, {
    ...j.reply,
    MsgType: 'text',
    Content: 'you said: hi',
    ToUserName: 'oUserOpenId00000000000000001',
    FromUserName: 'gh_123456789abc',
  });
  assert.equal(j.ack, null);
  assert.match(j.raw, /^<xml>\n<Encrypt>/); // safe mode by default when a key is configured
  assert.match(j.decrypted, /you said: hi/);
  assert.match(j.request.url, /encrypt_type=aes&msg_signature=[0-9a-f]{40}$/);
  assert.doesNotMatch(r.stdout, new RegExp(AES)); // the key never appears
});

test('--raw prints the body exactly as received', async () => {
  const r = await simulate('none', ['event', 'unsubscribe', '--raw']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'success');
});

const cases: [Fault, string[], number, RegExp][] = [
  ['html-body', ['text', 'x'], 1, /problem: the body is an HTML page/],
  ['json-body', ['text', 'x', '--mode', 'plain'], 1, /problem: the body is JSON/],
  ['status-500', ['text', 'x'], 1, /problem: HTTP 500/],
  [
    'redirect',
    ['text', 'x'],
    1,
    /problem: HTTP 302 redirect to https:\/\/example.com\/wechat\/: WeChat does not follow redirects/,
  ],
  ['ids-not-swapped', ['text', 'x', '--mode', 'plain'], 1, /problem: ToUserName and FromUserName are not swapped/],
  ['createtime-ms', ['text', 'x'], 0, /warning: CreateTime \d{13} is in milliseconds/],
  ['bad-msg-signature', ['text', 'x', '--mode', 'safe'], 1, /problem: the reply's MsgSignature does not verify/],
  [
    'wrong-appid',
    ['text', 'x', '--mode', 'safe'],
    1,
    /problem: the encrypted reply ends with AppID "wx0000000000000000"/,
  ],
  ['plaintext-reply', ['text', 'x', '--mode', 'safe'], 1, /problem: a plaintext XML reply to a safe-mode request/],
  ['plaintext-reply', ['text', 'x', '--mode', 'compat'], 0, /warning: a plaintext XML reply to an encrypted request/],
  ['long-text', ['text', 'x'], 0, /warning: text Content is 3000 bytes/],
  ['unknown-msgtype', ['text', 'x'], 1, /problem: unknown reply MsgType "markdown"/],
  [
    'too-many-articles',
    ['text', 'x'],
    1,
    /problem: news reply with 3 articles: in reply to a user message WeChat allows 1/,
  ],
  ['slow', ['text', 'x', '--timeout', '300ms'], 1, /problem: no answer within 0\.30 s/],
];
// Each case gets its own server so the cases can run side by side (child processes are the cost).
async function own(fault: Fault, args: string[]) {
  const s = await new BrokenServer({ token: TOKEN, aesKey: AES, appId: APP }).start();
  s.fault = fault;
  try {
    return await wxbot(['simulate', ...args, '--url', s.url, ...keys]);
  } finally {
    await s.close();
  }
}

describe('each broken reply is reported in words, with the right exit code', { concurrency: 3 }, () => {
  for (const [fault, args, code, re] of cases) {
    test(`${fault} ${args.slice(2).join(' ')}: exit ${code}`, async () => {
      const r = await own(fault, args);
      const all = r.stdout + r.stderr;
      assert.equal(r.code, code, all);
      assert.match(r.stdout, re, all);
      assert.match(r.stdout, code ? /✗ \d+ problems?/ : /✓ WeChat would accept this reply \(1 warning\)/, all);
    });
  }
});

const verifyCases: [Fault, number, RegExp][] = [
  // The probe's refusal is said, so the 403 it leaves in the server's log is explained.
  ['none', 0, /a wrongly signed GET got HTTP 403, as it should[\s\S]*✓ URL verification passes/],
  ['echostr-newline', 1, /problem: the body is the echostr with a trailing newline/],
  ['echostr-bom', 1, /problem: the body is the echostr with a leading byte order mark \(BOM\)[\s\S]*UTF-8 with BOM/],
  ['echostr-html', 1, /problem: the echostr is wrapped in HTML/],
  ['echostr-json', 1, /problem: the echostr is JSON-encoded/],
  ['echostr-quotes', 1, /problem: the echostr is wrapped in quotes/],
  ['redirect', 1, /problem: HTTP 302 redirect/],
  ['no-signature-check', 0, /warning: the server also echoes a GET with a wrong signature/],
];
describe('verify reports each broken echo in words', { concurrency: 3 }, () => {
  for (const [fault, code, re] of verifyCases) {
    test(`verify against ${fault}: exit ${code}`, async () => {
      const r = await own(fault, ['verify']);
      assert.equal(r.code, code, r.stdout + r.stderr);
      assert.match(r.stdout, re, r.stdout + r.stderr);
      if (code) assert.match(r.stdout, /Token验证失败/);
      if (fault === 'no-signature-check') assert.doesNotMatch(r.stdout, /as it should/);
    });
  }
});

test('verify with a wrong token says the Token differs; --json has the echostr and raw body', async () => {
  server.fault = 'none';
  const r = await wxbot(['simulate', 'verify', '--url', server.url, '--token', 'wrongtoken', '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, false);
  assert.equal(j.status, 403);
  assert.match(j.problems[0], /Token differs/);
  assert.match(j.echostr, /^\d+$/);
});

test('--retry shows every delivery; the same MsgId reached the server twice', async () => {
  server.slowMs = 1200;
  const before = server.received.length;
  const r = await simulate('slow-first', ['text', 'retry me', '--retry', '--timeout', '0.4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    j.deliveries.map((d: { outcome: string }) => d.outcome),
    ['timeout', 'answered'],
  );
  const seen = server.received.slice(before);
  assert.equal(seen.length, 2);
  assert.equal((seen[0]!.message as { MsgId: string }).MsgId, (seen[1]!.message as { MsgId: string }).MsgId);
  assert.match(j.warnings[0], /answered only on delivery 2/);
});

test('an unreachable server exits 3 (and --json still prints an object)', async () => {
  const r = await wxbot(['simulate', 'text', 'x', '--url', 'http://127.0.0.1:1/wechat', '--token', TOKEN, '--json']);
  assert.equal(r.code, 3);
  assert.match(JSON.parse(r.stdout).error, /ECONNREFUSED/);
  assert.match(r.stderr, /is the server running at http:\/\/127\.0\.0\.1:1\/wechat\?\n/, 'its --url: no hint');
  // Without --url the server may be elsewhere (a serve with a configured Token publishes no URL).
  const implicit = await wxbot(['simulate', 'text', 'x', '--token', TOKEN], { env: { WXBOT_PORT: '1' } });
  assert.equal(implicit.code, 3);
  assert.match(
    implicit.stderr,
    /is the server running at http:\/\/127\.0\.0\.1:1\/wechat\? If it listens elsewhere, pass its URL with --url \(wxbot serve's banner shows it\)\./,
  );
});

test('usage errors exit 2: no token, safe mode without a key, bad numbers', async () => {
  const noToken = await wxbot(['simulate', 'text', 'x', '--url', server.url]);
  assert.equal(noToken.code, 2);
  assert.match(noToken.stderr, /no Token: start `wxbot serve` in this directory.*pass --token \/ set WECHAT_TOKEN/);
  const noKey = await wxbot(['simulate', 'text', 'x', '--url', server.url, '--token', TOKEN, '--mode', 'safe']);
  assert.equal(noKey.code, 2);
  assert.match(noKey.stderr, /needs the EncodingAESKey/);
  const badLat = await wxbot(['simulate', 'location', 'north', '113', '--url', server.url, '--token', TOKEN]);
  assert.equal(badLat.code, 2);
  assert.match(badLat.stderr, /lat must be a number/);
  const noUser = await wxbot(['simulate', 'text', 'x', '--from', '', '--url', server.url, '--token', TOKEN]);
  assert.equal(noUser.code, 2);
  assert.match(noUser.stderr, /--from must be an id of 1 to 64 letters, digits, _ or -, got ""/);
  const noScene = await wxbot(['simulate', 'event', 'subscribe', '--scene', '', '--url', server.url, '--token', TOKEN]);
  assert.equal(noScene.code, 2);
  assert.match(noScene.stderr, /scene must not be empty/);
  const offMap = await wxbot(['simulate', 'location', '91', '200', '--url', server.url, '--token', TOKEN]);
  assert.equal(offMap.code, 2);
  assert.match(offMap.stderr, /lat must be from -90 to 90, got 91/);
  const typo = await wxbot(['simulate', 'txt', 'hi', '--token', TOKEN]);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown command 'txt' \(did you mean text\?\)/);
  // An event named where a message kind goes gets its real command line, not a near miss ("link").
  const click = await wxbot(['simulate', 'click', 'ABOUT', '--token', TOKEN]);
  assert.equal(click.code, 2);
  assert.match(click.stderr, /'click' is an event: wxbot simulate event click <key>/);
});

test('settings come from the environment and .env: no flags needed', async () => {
  server.fault = 'none';
  const cwd = tempCwd(`WECHAT_TOKEN=${TOKEN}\nWECHAT_AES_KEY=${AES}\nWECHAT_APP_ID=${APP}\n`);
  const before = server.received.length;
  const r = await wxbot(['simulate', 'event', 'click', 'MENU_KEY', '--json'], { cwd, env: { WXBOT_URL: server.url } });
  assert.equal(r.code, 0, r.stderr);
  const got = server.received.slice(before);
  assert.equal(got.length, 1);
  assert.match(got[0]!.url, /encrypt_type=aes/); // safe mode because a key is configured
  assert.equal((got[0]!.message as { EventKey: string }).EventKey, 'MENU_KEY');
  // A flag beats the environment.
  const plain = await wxbot(['simulate', 'text', 'x', '--mode', 'plain', '--json'], {
    cwd,
    env: { WXBOT_URL: server.url },
  });
  assert.doesNotMatch(server.received.at(-1)!.url, /encrypt_type/);
  assert.equal(plain.code, 0);
});

test('negative coordinates and options after arguments parse', async () => {
  server.fault = 'none';
  const r = await simulate('none', [
    'location',
    '-33.8688',
    '151.2093',
    '--label',
    'Sydney Opera House',
    '--mode',
    'compat',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const m = server.received.at(-1)!.message as { Location_X: number; Location_Y: number; Label: string };
  assert.deepEqual([m.Location_X, m.Location_Y, m.Label], [-33.8688, 151.2093, 'Sydney Opera House']);
  const e = await simulate('none', ['event', 'location', '-1.5', '36.8', '--mode', 'plain']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((server.received.at(-1)!.message as { Latitude: number }).Latitude, -1.5);
});

test('replies render as the phone shows them: news cards, music, image', async () => {
  server.fault = 'none';
  try {
    server.reply = 'news';
    const news = await simulate('none', ['event', 'subscribe']);
    assert.match(
      news.stdout,
      /┌ Hello\n {2}│ A card\n {2}│ picture https:\/\/example.com\/c.jpg\n {2}└ https:\/\/example.com\/a/,
    );
    server.reply = 'music';
    assert.match(
      (await simulate('none', ['event', 'click', 'K'])).stdout,
      /┃ ♪ Song — Artist\n.*a\.mp3\n.*thumb MediaId THUMB/,
    );
    server.reply = 'image';
    assert.match((await simulate('none', ['image', 'https://x/p.jpg'])).stdout, /┃ \[image\] MediaId MEDIA_ID_IMAGE/);
  } finally {
    server.reply = 'auto';
  }
});
