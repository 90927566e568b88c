// The phone and the inspector in chromium, against an in-process bot (createHandler) and startUiServer:
// the conversation drawn incrementally (a playing clip survives the next exchange), the scroll position
// kept while reading, replies WeChat never shows, the input method's Enter, a phone-sized window, and
// the keyboard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createBot } from '../../src/bot/index.js';
import { voiceReply } from '../../src/protocol/replies.js';
import { createHandler } from '../../src/server/index.js';
import { DEFAULT_OPENID, textMessage } from '../../src/simulate/index.js';
import { startUiServer, type UiServer } from '../../src/ui/server.js';
import { tempDir } from '../cli/serve-child.js';
import { browserSkip, launch, localContext, say, shot, total, totalReaches } from './browser.js';
import { servedExchange } from './exchanges.js';

const MP3_ID = `LOCAL_voice_${'cd'.repeat(20)}`;
const OTHER_USER = 'oUserOpenId00000000000000002';

// Run in the page as text: the tests are compiled without the DOM's types.
/** Two animation frames: the page redraws once per frame. */
const frames = (page: Page) =>
  page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.dataset.id');
const documentWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

describe('the phone in chromium', { skip: browserSkip }, () => {
  let browser: Browser;
  let server: Server;
  let ui: UiServer;
  let context: BrowserContext;
  let page: Page;
  let seq = 0;

  /** An exchange `wxbot serve` saw from elsewhere (real WeChat, `wxbot simulate`…), for `user`. */
  const fromElsewhere = async (user: string, text: string) => {
    const before = await total(page);
    const message = { ...textMessage(text), FromUserName: user };
    ui.observe(servedExchange(`e${++seq}`, message, { query: { nonce: `elsewhere${seq}` } }));
    await totalReaches(page, before + 1);
    await frames(page);
  };

  before(async () => {
    const mediaDir = join(tempDir(), 'media');
    mkdirSync(mediaDir, { recursive: true });
    // A second of silence: 40 MPEG-1 Layer III frames whose audio data is all zeros.
    const frame = Buffer.alloc(417);
    frame.set([0xff, 0xfb, 0x90, 0x64]);
    writeFileSync(join(mediaDir, `${MP3_ID}.mp3`), Buffer.concat(Array.from({ length: 40 }, () => frame)));
    const bot = createBot()
      .text('语音', () => voiceReply(MP3_ID))
      .on('event', () => '事件的回复')
      .fallback((ctx) => `回声：${ctx.text}`);
    server = createServer(createHandler(bot, { token: 'abc123' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
    const menu = {
      button: [
        { type: 'view', name: '官网', url: 'https://www.example.com/' },
        {
          name: '更多',
          sub_button: [
            { type: 'click', name: '赞', key: 'GOOD' },
            { type: 'miniprogram', name: '小程序', appid: 'wx1234567890abcdef', pagepath: 'pages/index' },
          ],
        },
      ],
    };
    [browser, ui] = await Promise.all([
      launch(),
      startUiServer({ target: { url, token: 'abc123' }, port: 0, menu, mediaDir }),
    ]);
    ({ context } = await localContext(browser));
    page = await context.newPage();
    await page.goto(ui.url);
    await page.getByTestId('composer').waitFor();
  });

  after(async () => {
    await browser?.close();
    await ui?.close();
    server?.closeAllConnections();
    server?.close();
  });

  test('a new exchange adds its bubbles and keeps the others: the voice clip is the same element', async () => {
    await say(page, '语音');
    const player = page.getByTestId('player-voice').last();
    await player.waitFor();
    const handle = await player.elementHandle();
    const userBubble = await page.getByTestId('bubble-user').last().elementHandle();
    await say(page, '下一条');
    await page.getByTestId('bubble-bot').filter({ hasText: '回声：下一条' }).waitFor();
    await fromElsewhere(OTHER_USER, '别人的消息');
    assert.equal(await handle!.evaluate((el) => el.isConnected), true, 'the player was not rebuilt');
    assert.equal(await userBubble!.evaluate((el) => el.isConnected), true, 'the user bubble was not rebuilt');
    assert.equal(await page.getByTestId('player-voice').count(), 1);
  });

  test('scrolled up to read, the chat stays put when anyone else’s exchange arrives; sending goes to the newest', async () => {
    for (let i = 0; i < 12; i++) await fromElsewhere(DEFAULT_OPENID, `第 ${i} 条：${'很长的一段话'.repeat(8)}`);
    const chat = page.locator('.chat');
    const scroll = () => chat.evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
    assert.ok((await scroll()).max > 200, 'the conversation is taller than the chat');
    await chat.evaluate((el) => {
      el.scrollTop = 0;
    });
    await fromElsewhere(OTHER_USER, '另一个用户');
    assert.equal((await scroll()).top, 0, "another user's exchange moved the chat");
    await fromElsewhere(DEFAULT_OPENID, '同一个用户，从别处');
    assert.equal((await scroll()).top, 0, 'an exchange this page did not send moved the chat');

    // Read to the bottom: then a new exchange is followed.
    await chat.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await fromElsewhere(DEFAULT_OPENID, '读到底了');
    let s = await scroll();
    assert.ok(s.max - s.top < 2, `at ${s.top} of ${s.max}`);

    // Scrolled up, the user sends: the chat goes to their message and its reply.
    await chat.evaluate((el) => {
      el.scrollTop = 0;
    });
    await say(page, '我发的');
    await frames(page);
    s = await scroll();
    assert.ok(s.max - s.top < 2, `at ${s.top} of ${s.max}`);
  });

  test('replies WeChat never shows (VIEW, view_miniprogram, unsubscribe) draw no bubble; the inspector keeps them', async () => {
    const bubbles = () => page.getByTestId('bubble-bot').count();
    await page.getByTestId('menu-button').nth(1).click();
    await page.getByTestId('menu-item').filter({ hasText: '赞' }).click();
    await page.getByTestId('bubble-bot').filter({ hasText: '事件的回复' }).waitFor();
    const before = await bubbles();

    const sent = async (act: () => Promise<void>, label: RegExp) => {
      const n = await total(page);
      await act();
      await totalReaches(page, n + 1);
      await frames(page);
      assert.match((await page.getByTestId('exchange').first().textContent()) ?? '', label);
      // The detail comes after the list: until then the pane shows the exchange before, with the same warning.
      await page.locator('.detail h3').filter({ hasText: label }).waitFor();
      await page.locator('.detail .warnings').filter({ hasText: 'never' }).waitFor();
      assert.match((await page.getByTestId('inspector-reply').textContent()) ?? '', /事件的回复/);
    };
    await sent(() => page.getByTestId('menu-button').first().click(), /event VIEW/);
    await sent(async () => {
      await page.getByTestId('menu-button').nth(1).click();
      await page.getByTestId('menu-item').filter({ hasText: '小程序' }).click();
    }, /event view_miniprogram/);
    await sent(async () => {
      await page.getByTestId('more').click();
      await page.getByTestId('action-unsubscribe').click();
    }, /event unsubscribe/);
    assert.equal(await bubbles(), before, 'a bubble for a reply WeChat never shows');
    // The .convo still expects the bot's reply: it is what the bot does.
    const convo = await (await fetch(`${ui.origin}/api/convo?user=${DEFAULT_OPENID}`)).text();
    assert.match(convo, /> \[view https:\/\/www\.example\.com\/\]\n< 事件的回复/);
  });

  test('Enter that picks an input method’s candidate sends nothing; Enter after it sends', async () => {
    const composer = page.getByTestId('composer');
    const before = await total(page);
    await composer.fill('ni hao');
    await composer.dispatchEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true });
    await composer.dispatchEvent('keydown', { key: 'Enter', keyCode: 229, bubbles: true });
    await page.waitForTimeout(300);
    assert.equal(await total(page), before, 'sent while composing');
    assert.equal(await composer.inputValue(), 'ni hao');
    await composer.fill('你好');
    await composer.press('Enter');
    await totalReaches(page, before + 1);
    assert.equal(await composer.inputValue(), '');
  });

  test('Escape closes the + sheet and the menu pop-up; a click elsewhere closes the pop-up', async () => {
    await page.getByTestId('more').click();
    const sheet = page.locator('.sheet');
    assert.equal(await sheet.isVisible(), true);
    await page.keyboard.press('Escape');
    assert.equal(await sheet.isVisible(), false);
    const popup = page.locator('.menu-popup');
    await page.getByTestId('menu-button').nth(1).click();
    assert.equal(await popup.isVisible(), true);
    await page.keyboard.press('Escape');
    assert.equal(await popup.isVisible(), false);
    await page.getByTestId('menu-button').nth(1).click();
    assert.equal(await popup.isVisible(), true);
    await page.locator('.chat').click({ position: { x: 5, y: 5 } });
    assert.equal(await popup.isVisible(), false);
  });

  test('inspector rows take the keyboard: each is focusable, the arrows move, Enter selects', async () => {
    const rows = page.getByTestId('exchange');
    const second = rows.nth(1);
    const id = await second.getAttribute('data-id');
    await rows.first().focus();
    await page.keyboard.press('ArrowDown');
    await page
      .locator('.detail h3')
      .filter({ hasText: `#${id} ` })
      .waitFor();
    assert.equal(await focusedId(page), id);
    assert.equal(await rows.nth(1).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowUp');
    const first = await rows.first().getAttribute('data-id');
    await page
      .locator('.detail h3')
      .filter({ hasText: `#${first} ` })
      .waitFor();
    await rows.nth(2).focus();
    const third = await rows.nth(2).getAttribute('data-id');
    await page.keyboard.press('Enter');
    await page
      .locator('.detail h3')
      .filter({ hasText: `#${third} ` })
      .waitFor();
    assert.equal(await rows.nth(2).getAttribute('tabindex'), '0');
  });

  test("replaying an older exchange shows the replay's new exchange in the detail", async () => {
    await say(page, '重放我');
    await say(page, '之后的一条');
    const older = page.getByTestId('exchange').filter({ hasText: 'text 重放我' }).first();
    await older.click();
    await page.locator('.detail h3').filter({ hasText: 'text 重放我' }).waitFor();
    const olderId = Number(await older.getAttribute('data-id'));
    const n = await total(page);
    await page.getByTestId('replay').click();
    await totalReaches(page, n + 1);
    await page
      .locator('.detail .meta')
      .filter({ hasText: `重放 #${olderId}` })
      .waitFor();
  });

  test('text that could not be sent goes back into the composer', async () => {
    // Without the run's key (an address typed by hand) every send is refused.
    const readOnly = await context.newPage();
    try {
      await readOnly.goto(ui.origin);
      await readOnly.getByTestId('composer').fill('没发出去的话');
      await readOnly.getByTestId('send').click();
      await readOnly.getByText('没有发出').waitFor();
      assert.equal(await readOnly.getByTestId('composer').inputValue(), '没发出去的话');
    } finally {
      await readOnly.close();
    }
  });

  test('at phone width (390×844): nothing wider than the screen, the phone full width, the inspector below it', async () => {
    const small = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
    try {
      const p = await small.newPage();
      await p.goto(ui.url);
      await p.getByTestId('composer').waitFor();
      await p.getByTestId('exchange').first().waitFor();
      const width = await documentWidth(p);
      assert.ok(width <= 390, `the document is ${width} px wide`);
      await p.locator('.inspector').scrollIntoViewIfNeeded();
      const phone = (await p.locator('.phone').boundingBox())!;
      assert.ok(phone.width >= 360, `phone ${phone.width} px wide`);
      const inspector = (await p.locator('.inspector').boundingBox())!;
      assert.ok(inspector.width >= 360, `inspector ${inspector.width} px wide`);
      assert.ok(inspector.y >= phone.y + phone.height, 'the inspector is below the phone');
      assert.ok(inspector.height >= 400, `inspector ${inspector.height} px high`);
      // Its list stays a window onto the rows (a few in the DOM), not one as tall as all of them.
      const list = (await p.locator('.inspector .rows').boundingBox())!;
      assert.ok(list.height < inspector.height / 2, `list ${list.height} px high`);
      await p.getByTestId('exchange').first().click();
      await p.locator('.detail h3').waitFor();
      assert.ok((await documentWidth(p)) <= 390);
      await p.screenshot({ path: shot('phone-width.png'), fullPage: true });
    } finally {
      await small.close();
    }
    // The desktop layout is unchanged: the phone 380 px wide next to the inspector.
    const phone = (await page.locator('.phone').boundingBox())!;
    const inspector = (await page.locator('.inspector').boundingBox())!;
    assert.equal(phone.width, 380);
    assert.ok(inspector.x > phone.x + phone.width && inspector.y === phone.y);
  });
});
