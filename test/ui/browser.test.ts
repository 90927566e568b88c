// The web UI in a real browser (Debian chromium through playwright-core), against the real CLI:
// `wxbot serve --ui` with the demo bot (plain and safe mode), `wxbot serve bot.mjs --ui --menu menu.json`,
// `wxbot serve slow.mjs --ui` whose late answers go through a fake customer-service API,
// and `wxbot ui --url` against a small server that is not wxbot (it answers broken XML on request).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { BIN, cleanEnv, ROOT, runServe, tempDir, type ServeChild } from '../cli/serve-child.js';
import { textMessage } from '../../src/simulate/index.js';
import { parseConvo } from '../../src/testing/index.js';
import { startUiServer } from '../../src/ui/server.js';
import { browserSkip, launch, localContext, say, shot, total, totalReaches } from './browser.js';
import { startHoldingServer } from '../helpers/holding-server.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { servedExchange } from './exchanges.js';

const LIB = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP_ID = 'wx0123456789abcdef';
const NOTICE = '该公众号暂时无法提供服务，请稍后再试';
const PICTURE_ID = `LOCAL_image_${'ab'.repeat(20)}`;
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const MP3_ID = `LOCAL_voice_${'cd'.repeat(20)}`;
const AMR_ID = `LOCAL_voice_${'ef'.repeat(20)}`;
/** A second of silence: 40 MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz) whose audio data is all zeros. */
function silentMp3(): Buffer {
  const frame = Buffer.alloc(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return Buffer.concat(Array.from({ length: 40 }, () => frame));
}

const uiUrlOf = (stderr: string) => {
  const m = /(?:UI|Open)\s+(http:\/\/127\.0\.0\.1:\d+\/#k=[\w-]+)/.exec(stderr);
  assert.ok(m, `no UI address in:\n${stderr}`);
  return m[1]!;
};

/** GET with a chosen Host header (fetch cannot set one). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

/** A WeChat endpoint in plain node:http, not wxbot: echoes text, answers broken XML to 坏了. */
function foreignServer(token: string): Promise<Server> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const [timestamp, nonce] = [u.searchParams.get('timestamp') ?? '', u.searchParams.get('nonce') ?? ''];
    const expected = createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
    if (u.searchParams.get('signature') !== expected) {
      res.writeHead(403).end('bad signature');
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const field = (name: string) =>
        new RegExp(`<${name}><!\\[CDATA\\[(.*?)\\]\\]></${name}>`, 's').exec(body)?.[1] ?? '';
      const content = field('Content');
      res.writeHead(200, { 'content-type': 'application/xml' });
      if (content === '坏了') return res.end('<xml><ToUserName><![CDATA[x]]></ToUserName><Content>broken');
      res.end(
        `<xml><ToUserName><![CDATA[${field('FromUserName')}]]></ToUserName><FromUserName><![CDATA[${field('ToUserName')}]]></FromUserName>` +
          `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[回声：${content}]]></Content></xml>`,
      );
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

/** `wxbot ui …` as a child process, resolved once it prints its address. */
function runUi(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'ui', '--ui-port', '0', ...args], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wxbot ui did not start:\n${err}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      if (/Open\s+http/.test(err)) {
        clearTimeout(timer);
        resolve({ child, url: uiUrlOf(err) });
      }
    });
    child.once('exit', (code) => reject(new Error(`wxbot ui exited with ${code}:\n${err}`)));
  });
}

const newestRow = (page: Page) => page.getByTestId('exchange').first();

describe('wxbot ui in chromium', { skip: browserSkip }, () => {
  let browser: Browser;
  let demo: ServeChild;
  let menuBot: ServeChild;
  let lateBot: ServeChild;
  let wechatApi: FakeWechatApi;
  let foreign: Server;
  let uiChild: ChildProcess;
  let foreignUi: string;
  let context: BrowserContext;
  let foreignRequests: string[];
  const pages = new Map<string, Page>();

  // One context and one page per UI for the whole file: each costs seconds on a busy machine.
  async function open(url: string): Promise<Page> {
    let page = pages.get(url);
    if (page) return page;
    page = await context.newPage();
    pages.set(url, page);
    await page.goto(url);
    await page.getByTestId('composer').waitFor();
    return page;
  }

  before(async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'bot.mjs'),
      `import { createBot, imageReply, voiceReply } from '${LIB}';\n` +
        `export default createBot().click(/.*/, (ctx) => '点击了 ' + ctx.message.EventKey)` +
        `.text('图片', () => imageReply('${PICTURE_ID}'))` +
        `.text('歌', () => voiceReply('${MP3_ID}')).text('录音', () => voiceReply('${AMR_ID}'));\n`,
    );
    writeFileSync(
      join(cwd, 'menu.json'),
      JSON.stringify({
        button: [
          { type: 'click', name: '今日', key: 'V1001_TODAY' },
          {
            name: '菜单',
            sub_button: [
              { type: 'view', name: '搜索', url: 'https://www.example.com/' },
              { type: 'click', name: '赞一下', key: 'V1001_GOOD' },
            ],
          },
        ],
      }),
    );
    // The file of a placeholder media_id, where `wxbot serve` keeps them in local development.
    mkdirSync(join(cwd, '.wxbot', 'media'), { recursive: true });
    writeFileSync(join(cwd, '.wxbot', 'media', `${PICTURE_ID}.png`), Buffer.from(PNG_1X1, 'base64'));
    writeFileSync(join(cwd, '.wxbot', 'media', `${MP3_ID}.mp3`), silentMp3());
    writeFileSync(
      join(cwd, '.wxbot', 'media', `${AMR_ID}.amr`),
      Buffer.from('#!AMR\n<\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'),
    );
    // Slower than its deadline: `success`, then the answer through the (fake) customer-service API.
    const lateCwd = tempDir();
    writeFileSync(
      join(lateCwd, 'slow.mjs'),
      `import { createBot } from '${LIB}';\n` +
        `export default createBot().text(/^慢/, async (ctx) => { await new Promise((r) => setTimeout(r, 500)); return '迟到的答案：' + ctx.text; });\n`,
    );
    [foreign, wechatApi] = await Promise.all([foreignServer('othertoken1'), startFakeWechatApi()]);
    const account = {
      WECHAT_APP_ID: wechatApi.appId,
      WECHAT_APP_SECRET: wechatApi.appSecret,
      WECHAT_API_BASE: wechatApi.url,
    };
    [browser, demo, menuBot, lateBot] = await Promise.all([
      launch(),
      runServe(['--ui', '--ui-port', '0', '--no-history'], { env: { WECHAT_AES_KEY: AES_KEY, WECHAT_APP_ID: APP_ID } }),
      runServe(['bot.mjs', '--ui', '--ui-port', '0', '--menu', 'menu.json', '--no-history'], { cwd }),
      runServe(['slow.mjs', '--ui', '--ui-port', '0', '--deadline', '300', '--no-history'], {
        cwd: lateCwd,
        env: account,
      }),
    ]);
    const port = (foreign.address() as AddressInfo).port;
    ({ context, foreign: foreignRequests } = await localContext(browser));
    const ui = await runUi(['--url', `http://127.0.0.1:${port}/wx`, '--token', 'othertoken1'], cwd);
    uiChild = ui.child;
    foreignUi = ui.url;
  });

  after(async () => {
    await browser?.close();
    uiChild?.kill();
    foreign?.close();
    await Promise.all([demo?.stop(), menuBot?.stop(), lateBot?.stop()]);
    await wechatApi?.stop();
  });

  test('demo bot: 你好 gets a bot bubble, 文章 a news card; replay makes a second identical exchange', async () => {
    const page = await open(uiUrlOf(demo.stderr()));
    await say(page, '你好');
    await page.getByTestId('bubble-bot').filter({ hasText: '你好！发送「帮助」看看我能做什么。' }).waitFor();
    assert.equal(await page.getByTestId('bubble-user').last().textContent(), '你好');

    await say(page, '文章');
    const card = page.getByTestId('news-card').last();
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /wxbot：在笔记本上开发公众号机器人/);
    assert.match((await newestRow(page).textContent()) ?? '', /text 文章/);

    await page.screenshot({ path: shot('phone-and-inspector.png') });
    await page.locator('.phone').screenshot({ path: shot('phone.png') });
    await page.locator('.inspector').screenshot({ path: shot('inspector.png') });

    const rows = await total(page);
    await newestRow(page).click();
    await page.getByTestId('replay').click();
    await totalReaches(page, rows + 1);
    const [a, b] = await page
      .getByTestId('exchange')
      .evaluateAll((els) => els.slice(0, 2).map((e) => e.querySelector('.label')?.textContent));
    assert.equal(a, 'text 文章');
    assert.equal(b, 'text 文章');
    assert.equal(await page.getByTestId('news-card').count(), 2);
  });

  test('save the conversation: a .convo file that wxbot test can read', async () => {
    const page = await open(uiUrlOf(demo.stderr()));
    const href = await page.getByTestId('save-convo').getAttribute('href');
    const res = await fetch(new URL(href!, new URL(uiUrlOf(demo.stderr())).origin));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="wxbot-ui\.convo"/);
    const text = await res.text();
    const [convo] = parseConvo(text, 'ui.convo');
    assert.deepEqual(
      convo!.turns.slice(0, 2).map((t) => t.source),
      ['你好', '文章'],
    );
    assert.match(text, /< 你好！发送「帮助」看看我能做什么。/);
  });

  test('safe mode: the inspector shows the encrypted and the decrypted request and reply', async () => {
    const page = await open(uiUrlOf(demo.stderr()));
    // With the key known the phone starts in safe mode, as `wxbot simulate` does.
    assert.equal(await page.getByTestId('mode-switch').inputValue(), 'safe');
    await page.getByTestId('mode-switch').selectOption('plain');
    await page.getByTestId('mode-switch').selectOption('safe');
    await say(page, '你好');
    // The detail is fetched after the list grows: until it comes the pane still shows the exchange before
    // (the first test's 文章, in safe mode too).
    await page.getByTestId('inspector-request').filter({ hasText: '<![CDATA[你好]]>' }).waitFor();
    await page.getByTestId('inspector-reply').filter({ hasText: '回复（解密）' }).waitFor();
    const req = (await page.getByTestId('inspector-request').textContent()) ?? '';
    const reply = (await page.getByTestId('inspector-reply').textContent()) ?? '';
    assert.match(req, /<Encrypt><!\[CDATA\[[A-Za-z0-9+/=]{40,}/);
    assert.match(req, /<Content><!\[CDATA\[你好\]\]><\/Content>/);
    assert.match(reply, /<Encrypt><!\[CDATA\[[A-Za-z0-9+/=]{40,}/);
    assert.match(reply, /<MsgSignature>/);
    assert.match(reply, /你好！发送「帮助」看看我能做什么。/);
    assert.match((await newestRow(page).textContent()) ?? '', /text 你好/);
  });

  test('custom menu from menu.json: a sub-menu item sends CLICK, the reply shows, the newest row says so', async () => {
    const page = await open(uiUrlOf(menuBot.stderr()));
    assert.deepEqual(await page.getByTestId('menu-button').allTextContents(), ['今日', '≡ 菜单']);
    await page.getByTestId('menu-button').nth(1).click();
    await page.getByTestId('menu-item').filter({ hasText: '赞一下' }).click();
    await page.getByTestId('bubble-bot').filter({ hasText: '点击了 V1001_GOOD' }).waitFor();
    assert.match((await newestRow(page).textContent()) ?? '', /event CLICK V1001_GOOD/);
  });

  test('a late answer through the customer-service API arrives as a new message; one WeChat refused is marked 未送达', async () => {
    const page = await open(uiUrlOf(lateBot.stderr()));
    const turns = page.locator('.chat .turn');
    // Not `say`: the push's own row is the newest only until the answer's comes, too briefly to wait for.
    const send = async (text: string) => {
      await page.getByTestId('composer').fill(text);
      await page.getByTestId('send').click();
    };
    await send('慢一');
    // The push got `success`: the user's message alone, then the answer as a message of its own.
    const late = page.getByTestId('late-reply').filter({ hasText: '迟到的答案：慢一' });
    await late.waitFor();
    assert.equal(await late.getByTestId('bubble-bot').count(), 1);
    assert.equal(await late.getByTestId('undelivered').count(), 0);
    assert.equal(await turns.filter({ hasText: '慢一' }).count(), 2, 'the message, then the answer');
    assert.equal(await page.getByTestId('bubble-user').filter({ hasText: '慢一' }).count(), 1);
    assert.match((await newestRow(page).textContent()) ?? '', /客服.*客服消息 → text 慢一/);
    await page.getByTestId('custom-service-verdict').filter({ hasText: 'errcode 0' }).waitFor();
    assert.match((await page.getByTestId('inspector-request').textContent()) ?? '', /"touser": "oUse…0001"/);
    assert.match((await page.getByTestId('inspector-reply').textContent()) ?? '', /"errcode":0,"errmsg":"ok"/);

    // What real WeChat answers for the UI's made-up user.
    wechatApi.failNext('/cgi-bin/message/custom/send', 40003);
    await send('慢二');
    const refused = page.getByTestId('late-reply').filter({ hasText: '迟到的答案：慢二' });
    await refused.getByTestId('undelivered').waitFor();
    assert.match(
      (await refused.getByTestId('undelivered').textContent()) ?? '',
      /^未送达（客服消息） errcode 40003: invalid openid .*only to a follower/,
    );
    assert.match((await turns.last().textContent()) ?? '', /迟到的答案：慢二/);
    await page.getByTestId('custom-service-verdict').filter({ hasText: '未送达：errcode 40003' }).waitFor();
    await page.locator('.phone').screenshot({ path: shot('phone-late-reply.png') });
    const everything = (await page.content()) + lateBot.stdout() + lateBot.stderr();
    assert.ok(!everything.includes(wechatApi.appSecret), 'the AppSecret shows');
    assert.ok(!everything.includes(wechatApi.currentToken()!), 'the access_token shows');
  });

  test('an image reply with a placeholder media_id of local development shows the picture', async () => {
    const page = await open(uiUrlOf(menuBot.stderr()));
    await say(page, '图片');
    const img = page.getByTestId('bubble-bot').last().locator('img');
    await img.waitFor();
    assert.equal(await img.getAttribute('src'), `/api/media/${PICTURE_ID}`);
    assert.equal(await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), 1);
  });

  test('a voice reply from a local mp3 plays in the phone; an AMR clip, which browsers cannot play, says so', async () => {
    const page = await open(uiUrlOf(menuBot.stderr()));
    await say(page, '歌');
    const player = page.getByTestId('bubble-bot').last().getByTestId('player-voice');
    await player.waitFor();
    assert.equal(await player.getAttribute('src'), `/api/media/${MP3_ID}`);
    // Loaded and decoded: the browser knows the clip's length. (Polled from here: the page's CSP
    // refuses the string evaluation waitForFunction would use.)
    const duration = () => player.evaluate((el) => (el as unknown as { duration: number }).duration);
    for (let i = 0; i < 100 && !((await duration()) > 0.9); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await duration()) > 0.9, `duration ${await duration()}`);
    await say(page, '录音');
    await page.getByTestId('bubble-bot').last().getByText('浏览器无法播放这个格式').waitFor();
    assert.match((await page.getByTestId('bubble-bot').last().textContent()) ?? '', new RegExp(`media_id ${AMR_ID}`));
  });

  test('wxbot ui --url against a server that is not wxbot: replies render, broken XML shows WeChat’s notice', async () => {
    const page = await open(foreignUi);
    assert.equal(await page.getByTestId('mode-switch').inputValue(), 'plain'); // no EncodingAESKey given
    await say(page, 'hello');
    await page.getByTestId('bubble-bot').filter({ hasText: '回声：hello' }).waitFor();
    await say(page, '坏了');
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    assert.equal(await notice.textContent(), NOTICE);
    assert.match(
      (await page.locator('.detail .problems').textContent()) ?? '',
      /not "success", empty, or well-formed XML/,
    );
  });

  test('a push the phone had to deliver again (no answer in time): the inspector lists each delivery', async () => {
    const server = await startHoldingServer();
    const ui = await startUiServer({ target: { url: server.url, token: 'abc123' }, port: 0, timeoutMs: 1000 });
    try {
      const page = await open(ui.url);
      await say(page, '慢一点');
      const items = page.getByTestId('deliveries').locator('li');
      await items.first().waitFor();
      const [first, second, more] = await items.allTextContents();
      assert.match(first ?? '', /^第 1 次投递：\d+ ms 内无应答，微信重新投递$/);
      assert.match(second ?? '', /^第 2 次投递：HTTP 200 · \d+ ms$/);
      assert.equal(more, undefined);
      assert.equal(server.seen.length, 2);
    } finally {
      await ui.close();
      await server.close();
    }
  });

  test('three thousand exchanges: the list stays a few dozen rows and scrolls to the oldest', async () => {
    const many = await startUiServer({ target: { url: 'http://127.0.0.1:9/wechat', token: 'abc123' }, port: 0 });
    try {
      for (let i = 1; i <= 3000; i++) {
        const message = textMessage(`第 ${i} 条`);
        many.observe(servedExchange(`r${i}`, message, { query: { nonce: String(i) } }));
      }
      await new Promise((r) => setTimeout(r, 50));
      const page = await open(many.url);
      await totalReaches(page, 3000);
      const rows = page.getByTestId('exchange');
      assert.ok((await rows.count()) < 80, `${await rows.count()} rows in the DOM`);
      assert.match((await rows.first().textContent()) ?? '', /text 第 3000 条/);
      await page.locator('.inspector .rows').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await rows.filter({ hasText: 'text 第 1 条' }).waitFor();
      assert.ok((await rows.count()) < 80);
      // The phone shows the user's latest exchanges, not all of them.
      assert.ok((await page.getByTestId('bubble-user').count()) <= 200);
    } finally {
      await many.close();
    }
  });

  test('the UI refuses a foreign Host, and the webhook port does not serve it', async () => {
    const ui = new URL(uiUrlOf(demo.stderr()));
    const evil = await getWithHost(ui.origin, 'evil.example');
    assert.equal(evil.status, 403);
    assert.match(evil.body, /refused: Host "evil\.example"/);
    assert.equal((await getWithHost(ui.origin, `localhost:${ui.port}`)).status, 200);
    const hook = await fetch(`${demo.origin}/`);
    assert.doesNotMatch(await hook.text(), /<html|wxbot ui/i);
    assert.equal((await fetch(`${demo.origin}/api/state`)).status, 404);
    assert.equal((await fetch(`${demo.origin}/web/main.js`)).status, 404);
  });

  test('the page says when wxbot stopped, reconnects by itself, and says when the run is a new one', async () => {
    const target = { url: 'http://127.0.0.1:9/wechat', token: 'abc123' };
    const first = await startUiServer({ target, port: 0 });
    const port = Number(new URL(first.url).port);
    let second: Awaited<ReturnType<typeof startUiServer>> | undefined;
    try {
      const page = await open(first.url);
      const offline = page.getByTestId('offline');
      assert.equal(await offline.isVisible(), false, 'no notice while connected');
      await first.close();
      await offline.waitFor({ state: 'visible' });
      assert.match((await offline.textContent()) ?? '', /已与 wxbot 断开/);
      await page.screenshot({ path: shot('offline.png'), clip: { x: 0, y: 0, width: 1280, height: 120 } });
      // A new run on the same port (as `wxbot serve --ui` takes 5051 again): the page finds it.
      second = await startUiServer({ target, port });
      // Back on a new run: the notice now says this page (its key) is the earlier run's.
      await page.getByText('wxbot 已重新运行').waitFor();
      assert.equal(await offline.isVisible(), true);
      // And the page follows the new run's exchanges.
      second.observe(servedExchange('r1', textMessage('重连之后')));
      await page.getByTestId('exchange').filter({ hasText: 'text 重连之后' }).waitFor();
      // The new run's address pasted into this tab (only the fragment changes): the page reloads
      // with the new key, and the notice is gone.
      await Promise.all([page.waitForEvent('load'), page.goto(second.url)]);
      await page.getByTestId('composer').waitFor();
      assert.equal(await offline.isVisible(), false);
    } finally {
      await first.close();
      await second?.close();
    }
  });

  test('the tab has its own icon: the browser asks for no /favicon.ico (and logs no 404 for it)', async () => {
    // A context without localContext's routing (Chromium asks for no favicon while routing is on), on
    // the UI whose conversation is text only: nothing on the page points outside this machine.
    const plain = await browser.newContext();
    try {
      const page = await plain.newPage();
      const asked: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => asked.push(new URL(r.url()).pathname));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(foreignUi);
      await page.getByTestId('composer').waitFor();
      // Run in the page (as text: the tests are compiled without the DOM's types).
      const iconWidth = await page.evaluate<number>(`new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(img.naturalWidth);
        img.onerror = () => resolve(-1);
        img.src = document.querySelector('link[rel="icon"]')?.href ?? '';
      })`);
      assert.ok(iconWidth > 0, 'the icon link decodes as an image');
      await page.waitForTimeout(300);
      assert.ok(!asked.includes('/favicon.ico'), `requests: ${asked.join(' ')}`);
      assert.ok(asked.length > 2, 'the page and its assets were requested');
      assert.deepEqual(errors, []);
    } finally {
      await plain.close();
    }
  });

  test('nothing but reply pictures was fetched from outside this machine', () => {
    const all = foreignRequests;
    assert.ok(all.length > 0, 'the news cover points at the internet: its request was blocked and recorded');
    for (const r of all) assert.match(r, /^image /, `a page asset from outside: ${r}`);
  });
});
