import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleSettings, displayWidth, renderPasteBox } from '../../src/tunnel/console-settings.js';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

test('safe mode is recommended when both the key and the AppID are configured', () => {
  const c = consoleSettings({
    url: 'https://x.ngrok.app/wechat',
    token: 'T0ken',
    aesKey: KEY,
    appId: 'wx1234567890abcdef',
    showSecrets: true,
  });
  assert.equal(c.mode, 'safe');
  assert.match(c.modeLabel, /安全模式/);
  assert.equal(c.encodingAESKey, KEY);
  assert.equal(c.secretsShown, true);
  assert.ok(c.notes.some((n) => /IP白名单/.test(n)));
  assert.ok(c.notes.some((n) => /wx1234567890abcdef/.test(n)));
});

test('plaintext mode without an AppID, and it says how to get to safe mode', () => {
  const c = consoleSettings({ url: 'u', token: 't', aesKey: KEY });
  assert.equal(c.mode, 'plain');
  assert.match(c.modeLabel, /明文模式/);
  assert.ok(c.notes.some((n) => /WECHAT_APP_ID/.test(n)));
  const none = consoleSettings({ url: 'u', token: 't' });
  assert.equal(none.encodingAESKey, null);
  assert.ok(none.notes.some((n) => /随机生成/.test(n)));
});

test('the paste box holds every value on its own line and lines up with CJK labels', () => {
  const box = renderPasteBox(
    consoleSettings({
      url: 'https://x.ngrok.app/wechat',
      token: 'T0ken',
      aesKey: KEY,
      appId: 'wxabc',
      showSecrets: true,
    }),
  );
  const lines = box.split('\n');
  const widths = new Set(lines.map(displayWidth));
  assert.equal(widths.size, 1, 'every line has the same display width');
  assert.ok(lines.some((l) => /服务器地址\(URL\)\s+https:\/\/x\.ngrok\.app\/wechat/.test(l)));
  assert.ok(lines.some((l) => /令牌\(Token\)\s+T0ken /.test(l)));
  assert.ok(lines.some((l) => l.includes(`消息加解密密钥(EncodingAESKey)  ${KEY}`)));
  assert.ok(lines.some((l) => /消息加解密方式\s+安全模式/.test(l)));
});

test('displayWidth counts CJK as two columns', () => {
  assert.equal(displayWidth('ab'), 2);
  assert.equal(displayWidth('令牌'), 4);
});

test('the placeholder AppID from wxbot init means plaintext mode and a note to fill it in', () => {
  const c = consoleSettings({ url: 'u', token: 't', aesKey: KEY, appId: 'wx0000000000000000' });
  assert.equal(c.mode, 'plain');
  assert.equal(c.appId, null);
  assert.ok(c.notes.some((n) => /placeholder wx0000000000000000/.test(n)));
});

test('a token generated for the run comes with a note to keep it', () => {
  const c = consoleSettings({ url: 'u', token: 'GenTok', tokenGenerated: true });
  assert.ok(c.notes.some((n) => n.includes('WECHAT_TOKEN=GenTok')));
});

test('configured secrets are masked unless asked for, each with where to copy it from', () => {
  const token = 'TunnelTok3n0123456789abcdefABCDE';
  const c = consoleSettings({
    url: 'u',
    token,
    aesKey: KEY,
    tokenFrom: 'WECHAT_TOKEN in .env',
    aesKeyFrom: '--aes-key',
  });
  assert.equal(c.secretsShown, false);
  assert.equal(c.token, 'Tu…DE');
  assert.equal(c.encodingAESKey, 'ab…FG');
  assert.deepEqual(c.from, { token: 'WECHAT_TOKEN in .env', encodingAESKey: '--aes-key' });
  assert.ok(c.notes.some((n) => /--show-secrets/.test(n)));
  const box = renderPasteBox(c);
  assert.ok(!box.includes(token) && !box.includes(KEY), box);
  assert.match(box, /令牌\(Token\)\s+copy WECHAT_TOKEN in \.env \(Tu…DE\)/);
  assert.match(box, /消息加解密密钥\(EncodingAESKey\) {2}copy --aes-key \(ab…FG\)/);
});

test('a generated token is shown in full (nothing configured to protect); a configured key stays masked', () => {
  const c = consoleSettings({ url: 'u', token: 'GenTok', tokenGenerated: true, aesKey: KEY });
  assert.equal(c.token, 'GenTok');
  assert.equal(c.from.token, null);
  assert.equal(c.encodingAESKey, 'ab…FG');
  const bare = consoleSettings({ url: 'u', token: 'GenTok', tokenGenerated: true });
  assert.ok(!bare.notes.some((n) => /--show-secrets/.test(n)), 'nothing is masked: no note about it');
});
