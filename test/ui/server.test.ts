// The UI server without a browser: its guard (loopback only, Host and Origin checks, the run's key), the
// inspector hook that `wxbot serve --ui` attaches only while a page is open, and slow pages losing events
// (counted) instead of holding anything up.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBot } from '../../src/bot/index.js';
import { createHandler } from '../../src/server/index.js';
import { PassThrough } from 'node:stream';
import { startServeRuntime, type ServeHandle } from '../../src/cli/serve-runtime.js';
import type { Exchange } from '../../src/server/types.js';
import {
  clickEvent,
  DEFAULT_OPENID,
  sendMessage,
  textMessage,
  unsubscribeEvent,
  viewEvent,
} from '../../src/simulate/index.js';
import { ExchangeLog } from '../../src/ui/exchange-log.js';
import { fromServer } from '../../src/ui/record.js';
import { fromCustomService } from '../../src/ui/record-late.js';
import { startUiServer, type UiServer } from '../../src/ui/server.js';
import { ROOT, tempDir } from '../cli/serve-child.js';
import { runWxbot } from '../cli/tunnel-child.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { startHoldingServer } from '../helpers/holding-server.js';
import { servedExchange } from './exchanges.js';

function call(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end(o.body);
  });
}

const keyOf = (ui: URL) => ui.hash.replace('#k=', '');
const DIST = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;

describe('wxbot serve --ui (in process)', () => {
  let h: ServeHandle;
  let ui: URL;
  const sink = () => Object.assign(new PassThrough().resume(), { isTTY: false });

  before(async () => {
    h = await startServeRuntime(
      undefined,
      { host: '127.0.0.1', port: '0', ui: true, uiPort: '0', history: false, token: 'uitoken123' },
      {},
      { stdout: sink(), stderr: sink(), cwd: tempDir() },
    );
    ui = new URL(h.uiUrl!);
  });
  after(() => h.close());

  const push = (text: string) =>
    sendMessage({ url: h.url, message: textMessage(text), settings: { token: 'uitoken123', mode: 'plain' } });
  const listed = async () =>
    JSON.parse((await call(`${ui.origin}/api/exchanges`)).body) as { label: string; source: string }[];

  test('listens on 127.0.0.1 only, on its own port', () => {
    assert.equal(ui.hostname, '127.0.0.1');
    assert.notEqual(Number(ui.port), h.port);
  });

  test('refuses a Host that is not a loopback name, and a foreign Origin', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${ui.port}`,
      '127.0.0.1.evil.example',
      `localhost:${Number(ui.port) + 1}`,
    ]) {
      const r = await call(`${ui.origin}/api/state`, { headers: { host } });
      assert.equal(r.status, 403, host);
    }
    for (const host of [`127.0.0.1:${ui.port}`, `localhost:${ui.port}`, 'localhost']) {
      assert.equal((await call(`${ui.origin}/api/state`, { headers: { host } })).status, 200, host);
    }
    const fromSite = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-wxbot-ui-key': keyOf(ui), 'content-type': 'application/json' },
      body: '{"kind":"text","content":"hi"}',
    });
    assert.equal(fromSite.status, 403);
  });

  test('changes need the run’s key; the key never appears in what the server sends', async () => {
    const body = '{"kind":"text","content":"你好"}';
    const without = await call(`${ui.origin}/api/send`, { method: 'POST', body });
    assert.equal(without.status, 403);
    assert.match(without.body, /open the UI from the URL wxbot printed/);
    const wrong = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      body,
      headers: { 'x-wxbot-ui-key': 'x'.repeat(24) },
    });
    assert.equal(wrong.status, 403);
    const ok = await call(`${ui.origin}/api/send`, { method: 'POST', body, headers: { 'x-wxbot-ui-key': keyOf(ui) } });
    assert.equal(ok.status, 200);
    assert.match(JSON.parse(ok.body).outcome.reply.Content, /你好！/);
    for (const path of ['/', '/api/state', '/api/exchanges', '/web/main.js']) {
      assert.ok(!(await call(`${ui.origin}${path}`)).body.includes(keyOf(ui)), path);
    }
    const bad = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      body: '{"kind":"nope"}',
      headers: { 'x-wxbot-ui-key': keyOf(ui) },
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /unknown kind "nope"/);
    const far = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      body: '{"kind":"location","lat":"200","lng":"113.3"}',
      headers: { 'x-wxbot-ui-key': keyOf(ui) },
    });
    assert.equal(far.status, 400);
    assert.equal(JSON.parse(far.body).error, 'lat must be from -90 to 90, got 200');
  });

  test('requests from elsewhere reach the inspector only while a page is open', async () => {
    const before = (await listed()).length;
    await push('nobody watching');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await listed()).length, before, 'no page open: the server did no work for the inspector');

    const events: string[] = [];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve) =>
      request(`${ui.origin}/api/events`, (res) => resolve(res)).end(),
    );
    stream.setEncoding('utf8').on('data', (c: string) => events.push(c));
    await new Promise((r) => setTimeout(r, 50));
    await push('watched');
    await new Promise((r) => setTimeout(r, 100));
    const now = await listed();
    assert.equal(now.length, before + 1);
    assert.deepEqual(
      { label: now.at(-1)!.label, source: now.at(-1)!.source },
      { label: 'text watched', source: 'server' },
    );
    assert.match(events.join(''), /"label":"text watched"/);
    stream.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await push('closed again');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await listed()).length, before + 1);
  });
});

describe('the event stream', () => {
  let ui: UiServer;
  before(async () => {
    ui = await startUiServer({
      target: { url: 'http://127.0.0.1:9/wechat', token: 'abc123' },
      port: 0,
      maxBuffered: 16 * 1024,
    });
  });
  after(() => ui.close());

  const fake = (i: number): Exchange =>
    servedExchange(
      `x${i}`,
      { ...textMessage(`m${i}`), Content: `m${i} ${'长'.repeat(5000)}` },
      { query: { nonce: String(i) }, body: 'x'.repeat(2000) },
    );

  test('a page that does not read loses events (counted) and nothing waits for it', async () => {
    // A raw socket that sends the request and then never reads a byte.
    const socket = connect(Number(new URL(ui.origin).port), '127.0.0.1');
    socket.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${new URL(ui.origin).port}\r\n\r\n`);
    socket.pause();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ui.hub.clients, 1);
    const exchanges = Array.from({ length: 3000 }, (_, i) => fake(i));
    for (const x of exchanges) ui.observe(x);
    assert.equal(ui.log.size, 0, 'observe() only queues: the request that called it does not wait');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ui.log.size, 3000);
    assert.ok(ui.hub.dropped > 0, 'events were dropped for the stalled page');
    socket.destroy();
  });
});

test('the phone delivers an unanswered push again, as WeChat does: an answer on delivery 2 reaches the phone', async (t) => {
  const server = await startHoldingServer();
  const ui = await startUiServer({ target: { url: server.url, token: 'abc123' }, port: 0, timeoutMs: 1000 });
  t.after(async () => {
    await ui.close();
    await server.close();
  });
  const ok = await call(`${ui.origin}/api/send`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'text', content: '慢一点' }),
    headers: { 'x-wxbot-ui-key': keyOf(new URL(ui.url)), 'content-type': 'application/json' },
  });
  assert.equal(ok.status, 200, ok.body);
  const d = JSON.parse(ok.body) as {
    outcome: { kind: string };
    problems: number;
    warningList: string[];
    deliveries: { attempt: number; outcome: string; status: number | null }[];
  };
  assert.deepEqual(
    d.deliveries.map((x) => [x.attempt, x.outcome, x.status]),
    [
      [1, 'timeout', null],
      [2, 'answered', 200],
    ],
  );
  assert.equal(server.seen.length, 2, 'delivered twice');
  assert.equal(server.seen[0], server.seen[1], 'the same signed push, byte for byte');
  assert.equal(d.outcome.kind, 'none');
  assert.equal(d.problems, 0);
  assert.match(d.warningList[0] ?? '', /answered only on delivery 2/);
});

test('a slow answer kept for the next message is no exchange of its own: no second bubble, no notice, once in the .convo', async (t) => {
  // WeChat's timing scaled down (the deadline, the hold and the phone's wait per delivery): the answer
  // comes after the third delivery (at about 1200 + 300 ms), so the server keeps it for the user's next
  // message. The phone waits 300 ms longer than the deadline: on a loaded machine 100 ms was too little,
  // and the third delivery's waiting text came after the phone had given up.
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const bot = createBot()
    .text('很慢', async () => {
      await sleep(2000);
      return '太慢了';
    })
    .fallback(() => '别的');
  const kept: string[] = [];
  let observe: (x: Exchange) => void = () => undefined;
  const handler = createHandler(bot, {
    token: 'abc123',
    deadlineMs: 300,
    slowReplies: { strategy: 'retry-window', holdMs: 640 },
    onExchange: (x) => {
      if (x.slow === 'stored') kept.push(x.message?.FromUserName ?? '');
      observe(x);
    },
  });
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
  const ui = await startUiServer({ target: { url, token: 'abc123' }, port: 0, timeoutMs: 600 });
  observe = (x) => ui.observe(x);
  t.after(async () => {
    await ui.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const send = async (content: string) => {
    const r = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'text', content, user: 'oSlowUser' }),
      headers: { 'x-wxbot-ui-key': keyOf(new URL(ui.url)), 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.body);
  };
  await send('很慢');
  for (let i = 0; i < 80 && kept.length === 0; i++) await sleep(50);
  assert.equal(kept.length, 1, 'the server kept the answer');
  await sleep(50);
  await send('下一条');
  await sleep(50);
  const all = JSON.parse((await call(`${ui.origin}/api/exchanges`)).body) as {
    label: string;
    source: string;
    outcome: { kind: string; reply?: { Content?: string } };
  }[];
  assert.deepEqual(
    all.map((x) => [x.source, x.label]),
    [
      ['phone', 'text 很慢'],
      ['phone', 'text 下一条'],
    ],
  );
  assert.equal(all[1]!.outcome.reply?.Content, '太慢了', 'the kept answer shows with the next message');
  assert.ok(!all.some((x) => x.outcome.kind === 'notice'), 'no service notice');
  const convo = (await call(`${ui.origin}/api/convo?user=oSlowUser`)).body;
  assert.equal(convo.match(/^> 很慢$/gm)?.length, 1, convo);
});

test("a late request's warning says `success` only when it was answered: not for a held delivery", () => {
  const late = servedExchange('l1', textMessage('慢'), { late: true });
  assert.deepEqual(fromServer(late, 'http://127.0.0.1:5050').warningList, [
    'the bot missed the deadline: `success` was answered',
  ]);
  const held = servedExchange('l2', textMessage('慢'), { late: true, slow: 'held', delivery: 1, status: 0, reply: '' });
  assert.deepEqual(fromServer(held, 'http://127.0.0.1:5050').warningList, []);
});

test('a reply WeChat never shows (to VIEW, unsubscribe) is kept for the inspector but marked unseen for the phone', () => {
  const reply = { MsgType: 'text', Content: '事件的回复' } as Exchange['replyParsed'];
  const outcome = (m: Parameters<typeof servedExchange>[1]) =>
    fromServer(servedExchange('u', m, { reply: '<xml/>', replyParsed: reply }), 'http://127.0.0.1:5050').outcome;
  for (const m of [viewEvent('https://example.com/'), unsubscribeEvent()])
    assert.deepEqual(outcome(m), { kind: 'reply', reply, unseen: true });
  assert.deepEqual(outcome(clickEvent('GOOD')), { kind: 'reply', reply });
});

test('the exchange log keeps the newest `capacity` and finds them by id', () => {
  const log = new ExchangeLog(3);
  const ids = [1, 2, 3, 4, 5].map((n) => log.add({ label: `n${n}` } as never).id);
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  assert.deepEqual(
    log.summaries().map((s) => s.label),
    ['n3', 'n4', 'n5'],
  );
  assert.equal(log.get(2), undefined);
  assert.equal(log.get(4)?.label, 'n4');
  assert.equal(log.get(6), undefined);
});

describe('wxbot serve --ui: late answers sent through the customer-service API (a fake WeChat API)', () => {
  const TOKEN = 'cstoken123';
  let fake: FakeWechatApi;
  let h: ServeHandle | undefined;
  let ui: URL;
  let cwd: string;
  const printed = { stdout: '', stderr: '' };
  const capture = (name: 'stdout' | 'stderr') => {
    const s = new PassThrough();
    s.setEncoding('utf8').on('data', (c: string) => (printed[name] += c));
    return Object.assign(s, { isTTY: false });
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    fake = await startFakeWechatApi();
    cwd = tempDir();
    writeFileSync(
      join(cwd, 'slow.mjs'),
      `import { createBot } from ${JSON.stringify(DIST)};\n` +
        `export default createBot().text(/^慢/, async (ctx) => {\n` +
        `  await new Promise((r) => setTimeout(r, 400));\n` +
        `  return '迟到的答案：' + ctx.text;\n});\n`,
    );
    // The history stays on (the default): it is checked below, with the CLI that reads it.
    h = await startServeRuntime(
      'slow.mjs',
      { host: '127.0.0.1', port: '0', ui: true, uiPort: '0', token: TOKEN, deadline: '200' },
      { WECHAT_APP_ID: fake.appId, WECHAT_APP_SECRET: fake.appSecret, WECHAT_API_BASE: fake.url },
      { stdout: capture('stdout'), stderr: capture('stderr'), cwd },
    );
    ui = new URL(h.uiUrl!);
  });
  after(async () => {
    await h?.close();
    await fake?.stop();
  });

  type Listed = {
    id: number;
    label: string;
    user: string;
    message: unknown;
    problems: number;
    outcome: { kind: string; reply?: { Content?: string } };
    customService?: { sent: boolean; to: string; errcode?: number; why?: string; hint?: string };
  };
  const listed = async () => JSON.parse((await call(`${ui.origin}/api/exchanges`)).body) as Listed[];
  const detail = async (id: number) =>
    JSON.parse((await call(`${ui.origin}/api/exchanges/${id}`)).body) as Record<string, unknown> & {
      requestBody: string;
      replyBody: string | null;
      problemList: string[];
    };
  const send = async (content: string) => {
    const r = await call(`${ui.origin}/api/send`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'text', content }),
      headers: { 'x-wxbot-ui-key': keyOf(ui), 'content-type': 'application/json' },
    });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as Listed;
  };
  /** The late answers the inspector lists, once there are `n`. */
  const lateAnswers = async (n: number) => {
    for (let i = 0; i < 100; i++) {
      const late = (await listed()).filter((x) => x.customService);
      if (late.length >= n) return late;
      await sleep(50);
    }
    assert.fail(`no ${n} late answers in the inspector; stderr:\n${printed.stderr}`);
  };
  const historyLines = () => {
    try {
      return readFileSync(join(cwd, '.wxbot', 'history.ndjson'), 'utf8')
        .trim()
        .split('\n');
    } catch {
      return [];
    }
  };

  test('sent: its own entry (客服消息), the answer as a new message for the phone, what went to whom and WeChat’s answer', async () => {
    const pushed = await send('慢一');
    assert.equal(pushed.outcome.kind, 'none', 'the push itself got `success`');
    const [late] = await lateAnswers(1);
    assert.match(late!.label, /^客服消息 → text 慢一$/);
    assert.equal(late!.message, null, 'no second user bubble');
    assert.equal(late!.user, DEFAULT_OPENID, "in that user's conversation");
    assert.equal(late!.outcome.reply?.Content, '迟到的答案：慢一');
    assert.deepEqual(late!.customService, { sent: true, to: 'oUse…0001' });
    assert.equal(late!.problems, 0);
    const d = await detail(late!.id);
    assert.deepEqual(JSON.parse(d.requestBody), {
      touser: 'oUse…0001',
      msgtype: 'text',
      text: { content: '迟到的答案：慢一' },
    });
    assert.equal(d.replyBody, '{"errcode":0,"errmsg":"ok"}');
    assert.equal(d.url, '/cgi-bin/message/custom/send');
    assert.deepEqual(fake.sent.at(-1), {
      touser: DEFAULT_OPENID,
      msgtype: 'text',
      text: { content: '迟到的答案：慢一' },
    });
  });

  test('refused (40003 invalid openid, as WeChat answers a made-up user): still shown, marked with the errcode and what to do', async () => {
    fake.failNext('/cgi-bin/message/custom/send', 40003);
    await send('慢二');
    const late = (await lateAnswers(2))[1]!;
    assert.equal(late.outcome.reply?.Content, '迟到的答案：慢二', 'what the bot answered');
    assert.equal(late.customService?.sent, false);
    assert.equal(late.customService?.errcode, 40003);
    assert.match(late.customService?.why ?? '', /^errcode 40003: invalid openid/);
    assert.match(late.customService?.hint ?? '', /only to a follower/);
    assert.equal(late.problems, 1);
    const d = await detail(late.id);
    assert.match(d.problemList[0] ?? '', /^not delivered: .*errcode 40003/);
    assert.match(d.replyBody ?? '', /"errcode":40003/);
    // The phone's .convo: each message once, answered `success` (as `wxbot test` sees a slow handler).
    const convo = (await call(`${ui.origin}/api/convo?user=${DEFAULT_OPENID}`)).body;
    assert.equal(convo.match(/^> 慢一$/gm)?.length, 1, convo);
    assert.equal(convo.match(/^> 慢二$/gm)?.length, 1, convo);
    assert.doesNotMatch(convo, /迟到的答案/);
    // Nothing secret in the UI or the log.
    const everything = JSON.stringify(await Promise.all((await listed()).map((x) => detail(x.id))));
    for (const secret of [fake.appSecret, fake.currentToken()!]) {
      assert.ok(!everything.includes(secret), 'a secret in the inspector');
      assert.ok(!printed.stdout.includes(secret) && !printed.stderr.includes(secret), 'a secret in the log');
    }
  });

  test('the history keeps both; `wxbot history` says what became of each, `replay` and `--convo` take them for no request', async () => {
    for (let i = 0; i < 60 && historyLines().filter((l) => l.includes('"custom-service"')).length < 2; i++)
      await sleep(50);
    const entries = historyLines().map((l) => JSON.parse(l) as Record<string, unknown> & { id: number; slow?: string });
    const late = entries.filter((e) => e.slow === 'custom-service');
    assert.equal(late.length, 2);
    assert.deepEqual(late[0]!.customService, {
      sent: true,
      to: 'oUse…0001',
      api: '/cgi-bin/message/custom/send',
      message: "sent through the customer-service API, message 1 of 5 in the 48 h window after the user's text message",
      errcode: 0,
      errmsg: 'ok',
    });
    const refused = late[1]!.customService as { sent: boolean; errcode: number; message: string };
    assert.equal(refused.sent, false);
    assert.equal(refused.errcode, 40003);
    assert.match(refused.message, /only to a follower/);
    const text = historyLines().join('\n');
    for (const secret of [fake.appSecret, fake.currentToken()!]) assert.ok(!text.includes(secret), 'a secret kept');

    const wxbot = async (args: string[]) => {
      const c = runWxbot(args, { cwd });
      const { code } = await c.exited;
      return { code, stdout: c.stdout(), stderr: c.stderr() };
    };
    const list = await wxbot(['history']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /text 慢一 \(late answer sent to oUse…0001 through the customer-service API\) {2}→ {2}迟到的答案：慢一/,
    );
    assert.match(
      list.stdout,
      /text 慢二 \(late answer NOT delivered: the customer-service API answered errcode 40003\)/,
    );

    // Each message once, answered `success`: a late answer is no turn.
    const convo = await wxbot(['history', '--convo']);
    assert.equal(convo.code, 0, convo.stderr);
    assert.equal(convo.stdout.match(/^> 慢二$/gm)?.length, 1, convo.stdout);
    assert.doesNotMatch(convo.stdout, /迟到的答案/);

    // The newest request is 慢二's push, not the late answer recorded after it.
    const request = entries.findLast((e) => e.slow === undefined)!;
    const again = await wxbot(['replay', '--json', '--token', TOKEN]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { id: number }).id, request.id);
    const refusedId = late[1]!.id;
    const byId = await wxbot(['replay', String(refusedId), '--token', TOKEN]);
    assert.equal(byId.code, 2, byId.stderr);
    assert.match(byId.stderr, new RegExp(`entry ${refusedId} is no request: .*\`wxbot replay ${request.id}\``));
  });
});

test('a late news answer shows its first article only (what the customer-service API sends); one never sent says why', () => {
  const m = textMessage('新闻');
  const articles = [{ Title: '第一篇' }, { Title: '第二篇' }];
  const news = { MsgType: 'news', Articles: articles } as unknown as Exchange['replyParsed'];
  const base = { openid: 'oUse…0001', msgtype: 'news', api: '/cgi-bin/message/custom/send' };
  const sent = fromCustomService(servedExchange('n1', m, { status: 0, reply: '', replyParsed: news }), m, {
    ...base,
    sent: true,
    response: { errcode: 0, errmsg: 'ok' },
    message: 'sent',
  });
  assert.deepEqual(sent.outcome.kind === 'reply' && sent.outcome.reply.Articles, [{ Title: '第一篇' }]);
  assert.equal(articles.length, 2, "the bot's reply is left as it was");
  const closed = fromCustomService(servedExchange('n2', m, { status: 0, reply: '', replyParsed: news }), m, {
    ...base,
    sent: false,
    reason: 'window_closed',
    message: "the 48 h window after the user's text message closed 3600 s ago",
  });
  assert.deepEqual(closed.customService, {
    sent: false,
    to: 'oUse…0001',
    why: "the 48 h window after the user's text message closed 3600 s ago",
  });
  assert.equal(closed.replyBody, null, 'WeChat was not called');
  assert.equal(closed.problems, 1);
});
