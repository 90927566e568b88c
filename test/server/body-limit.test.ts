// The body limit at its real value: a push of exactly 1 MiB is read and answered, one byte more is a
// 413, in plain and safe mode, whether the size is declared (Content-Length) or only seen (chunked).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { type RunningServer, startServer } from '../../src/server/start.js';
import { ACCOUNT, buildPush, decode, http, type Mode, replyText, textXml } from './client.js';

const LIMIT = 1024 * 1024;
const ACCOUNT_OPTIONS = { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey };

let server: RunningServer;
before(async () => {
  const bot = createBot().on('text', (ctx) => `read ${ctx.text?.length} characters`);
  // No bodyLimit option: the default is what is tested.
  server = await startServer(bot, { ...ACCOUNT_OPTIONS, host: '127.0.0.1', port: 0 });
});
after(() => server.close());

/** A push of exactly `bytes` bytes in `mode`: a long text, then spaces before `</xml>` to the byte. */
function pushOfSize(mode: Mode, bytes: number): { url: string; body: string; chars: number; nonce: string } {
  // Safe mode's base64 makes the message 4/3 larger; leave room for the envelope around it.
  const chars = mode === 'plain' ? bytes - 400 : Math.floor(((bytes - 600) * 3) / 4) - 100;
  const p = buildPush(server.url, textXml('x'.repeat(chars)), mode);
  const missing = bytes - Buffer.byteLength(p.body);
  assert.ok(missing >= 0, `the push is already ${-missing} bytes too long`);
  const body = p.body.replace(/<\/xml>\s*$/, `${' '.repeat(missing)}</xml>`);
  assert.equal(Buffer.byteLength(body), bytes);
  return { url: p.url, body, chars, nonce: p.nonce };
}

for (const mode of ['plain', 'safe'] as const) {
  for (const framing of ['content-length', 'chunked'] as const) {
    test(`${mode} mode, ${framing}: a body of exactly 1 MiB is answered, one byte more is 413`, async () => {
      const headers: Record<string, string> = { 'content-type': 'text/xml' };
      if (framing === 'chunked') headers['transfer-encoding'] = 'chunked';

      const at = pushOfSize(mode, LIMIT);
      const r = decode(await http(at.url, { method: 'POST', body: at.body, headers }), mode);
      assert.equal(r.status, 200, r.body.slice(0, 200));
      assert.equal(replyText(r), `read ${at.chars} characters`);

      const over = pushOfSize(mode, LIMIT + 1);
      const refused = await http(over.url, { method: 'POST', body: over.body, headers });
      assert.equal(refused.status, 413, refused.body.slice(0, 200));
      assert.match(refused.body, /body larger than 1048576 bytes/);
    });
  }
}
