// Regression (found by `npm run soak`): a client still sending an oversized body got EPIPE/ECONNRESET
// instead of the 413, because the socket was destroyed with the rest of the body unread.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { createBot } from '../../src/bot/bot.js';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { ACCOUNT, push, signedQuery, textXml } from './client.js';

let server: RunningServer;

before(async () => {
  server = await startServer(
    createBot().fallback((ctx) => `ok ${ctx.text ?? ''}`),
    { ...ACCOUNT, encodingAESKey: ACCOUNT.aesKey, host: '127.0.0.1', port: 0 },
  );
});
after(() => server.close());

const MiB = 1024 * 1024;

async function* body(total: number, chunk: number) {
  for (let sent = 0; sent < total; sent += chunk) {
    yield Buffer.alloc(Math.min(chunk, total - sent), 'x');
    // Give the server a turn to answer (and, before the fix, to close) between writes.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test('a client still writing a 2 MiB body reads the 413, declared or chunked, every time', async () => {
  // 1 MiB writes back to back: before lingering, about one in three of these ended in EPIPE.
  const outcomes: string[] = [];
  for (let i = 0; i < 12; i++) {
    for (const declared of [true, false]) {
      try {
        const r = await request(`${server.url}?${signedQuery(ACCOUNT.token)}`, {
          method: 'POST',
          body: Readable.from(body(2 * MiB, MiB)),
          headers: declared ? { 'content-length': String(2 * MiB) } : {},
        });
        await r.body.text();
        outcomes.push(`${declared ? 'declared' : 'chunked'} ${r.statusCode} ${r.headers.connection}`);
      } catch (err) {
        outcomes.push(`${declared ? 'declared' : 'chunked'} ${(err as { code?: string }).code ?? String(err)}`);
      }
    }
  }
  assert.deepEqual(
    outcomes.filter((o) => !/ 413 close$/.test(o)),
    [],
    outcomes.join(', '),
  );
  const r = await push(server.url, textXml('alive'), 'safe');
  assert.equal(r.reply?.MsgType === 'text' && r.reply.Content, 'ok alive');
});

test('headers announcing a 2 MiB body get the 413 at once, then the connection closes', async () => {
  const s = connect(server.port, '127.0.0.1');
  let data = '';
  s.setEncoding('utf8');
  s.on('data', (c: string) => (data += c));
  s.write(
    `POST /wechat?${signedQuery(ACCOUNT.token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${2 * MiB}\r\n\r\n`,
  );
  await new Promise<void>((resolve) => s.on('data', () => /\r\n\r\n[\s\S]*$/.test(data) && resolve()));
  assert.match(data, /^HTTP\/1\.1 413 /);
  assert.match(data, /connection: close/i);
  // The server half-closes; this socket (allowHalfOpen false) ends too, and the server lets go.
  await new Promise<void>((resolve) => s.on('close', () => resolve()));
  assert.ok(s.destroyed);
});
