/**
 * `wxbot simulate` against the real `wxbot serve` (demo bot): every message and event kind, in
 * plaintext, compatible and safe mode. One serve child for the file; simulate runs as children.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pool, startServe, wxbot, type ServeChild } from './simulate-helpers.js';

const TOKEN = 'tok123';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wx2c2769f8efd9abc2';
let serve: ServeChild;
before(async () => {
  serve = await startServe(['--token', TOKEN, '--aes-key', AES, '--app-id', APP]);
});
after(() => serve?.stop());

// [args, what the demo bot's answer must contain, or 'ack' for "success"/empty]
const KINDS: [string[], RegExp | 'ack'][] = [
  [['text', '你好'], /你好/],
  [['image', 'https://example.com/cat.jpg'], /https:\/\/example\.com\/cat\.jpg/],
  [['voice', '--recognition', '今天天气怎么样'], /今天天气怎么样/],
  [['video'], /MediaId/],
  [['shortvideo'], /MediaId/],
  [['location', '23.134521', '113.358803', '--label', '广州塔'], /广州塔/],
  [['link', 'https://example.com/a', '--title', 'An article'], /An article/],
  [['event', 'subscribe', '--scene', '777'], /777/],
  [['event', 'unsubscribe'], 'ack'],
  [['event', 'scan', '888'], /888/],
  [['event', 'click', 'V1001_TODAY_MUSIC'], /V1001_TODAY_MUSIC/],
  [['event', 'view', 'https://example.com/menu'], 'ack'],
  [['event', 'view_miniprogram', 'pages/index/index'], 'ack'],
  [['event', 'location', '23.137466', '113.352425'], 'ack'],
  [['event', 'scancode_push', 'SCAN_PUSH', '--scan-result', 'code-push-1'], /code-push-1/],
  [['event', 'scancode_waitmsg', 'SCAN_WAIT', '--scan-result', 'code-wait-2'], /code-wait-2/],
  [['event', 'pic_sysphoto', 'PIC_SYS', '--count', '2'], /2/],
  [['event', 'pic_photo_or_album', 'PIC_ALBUM', '--count', '3'], /3/],
  [['event', 'pic_weixin', 'PIC_WX'], /1/],
  [['event', 'location_select', 'LOC', '23.1', '113.3', '--label', '海珠区'], /海珠区/],
  [['event', 'templatesendjobfinish'], 'ack'],
  [['event', 'masssendjobfinish'], 'ack'],
  [['event', 'custom', 'kf_create_session', 'KfAccount=test1@test'], 'ack'],
];

// Each kind as a line for the interactive chat: "/<subcommand> args" uses the subcommand's own definition.
const quote = (a: string) => (/\s/.test(a) ? `"${a}"` : a);
const SCRIPT = `${KINDS.map(([args]) => `/${args.map(quote).join(' ')}`).join('\n')}\n`;

for (const mode of ['plain', 'compat', 'safe'] as const) {
  test(`${mode} mode: every message and event kind gets a reply WeChat accepts`, async () => {
    const r = await wxbot(
      ['simulate', '--url', serve.url, '--token', TOKEN, '--aes-key', AES, '--app-id', APP, '--mode', mode, '--json'],
      { input: SCRIPT },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const results = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(results.length, KINDS.length, r.stderr);
    KINDS.forEach(([args, expect], i) => {
      const j = results[i];
      const what = `${args.join(' ')} (${mode})`;
      assert.deepEqual(j.problems, [], what);
      assert.deepEqual(j.warnings, [], what);
      assert.equal(j.status, 200, what);
      // The request went out in the mode asked for.
      assert.equal(j.request.url.includes('encrypt_type=aes'), mode !== 'plain', what);
      if (expect === 'ack') {
        assert.ok(j.ack === 'success' || j.ack === '', `${what}: expected an ack, got ${JSON.stringify(j)}`);
      } else {
        assert.equal(j.reply?.MsgType, 'text', what);
        assert.match(j.reply.Content, expect, what);
        // Encrypted requests got encrypted replies.
        assert.equal(j.decrypted !== undefined, mode !== 'plain', what);
      }
    });
  });
}

test('subcommands one at a time, as a user types them (safe mode by default with a key)', async () => {
  const picks = KINDS.filter(
    ([a]) =>
      ['text', 'voice', 'location'].includes(a[0]!) || ['subscribe', 'scancode_waitmsg', 'unsubscribe'].includes(a[1]!),
  );
  const runs = await pool(picks, 2, ([args]) =>
    wxbot(['simulate', ...args, '--url', serve.url, '--token', TOKEN, '--aes-key', AES, '--app-id', APP]),
  );
  runs.forEach((r, i) => {
    assert.equal(r.code, 0, `${picks[i]![0].join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /· safe mode\n/);
    assert.match(r.stdout, /✓ WeChat would accept this reply\n?$/);
  });
});

test('the console GET check passes against serve, and a wrong Token is refused', async () => {
  const ok = await wxbot(['simulate', 'verify', '--url', serve.url, '--token', TOKEN]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /✓ URL verification passes/);
  assert.doesNotMatch(ok.stdout, /warning/); // serve rejects the mis-signed probe
  const bad = await wxbot(['simulate', 'verify', '--url', serve.url, '--token', 'nottheToken']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /Token differs/);
});

test('the interactive chat talks to serve in safe mode', async () => {
  const r = await wxbot(['simulate', '--url', serve.url, '--token', TOKEN, '--aes-key', AES, '--app-id', APP], {
    input: '你好\n/click MENU_1\n/location 23.1 113.3 天河\n/quit\n',
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.match(/✓ WeChat would accept this reply/g)?.length, 3);
  assert.match(r.stdout, /MENU_1/);
  assert.match(r.stdout, /天河/);
});
