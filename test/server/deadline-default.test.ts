// The default deadline at its real value, end to end: a bot slower than WeChat's 5 s gets `success`
// 4500 ms after the request arrived, counted from its first byte, so a body that trickles in for
// 1.5 s counts against it. Through createHandler with no option, and through `wxbot serve` with no flag.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createBot } from '../../src/bot/bot.js';
import { startServer } from '../../src/server/start.js';
import { runServe } from '../cli/serve-child.js';
import { buildPush, textXml } from './client.js';

const DEFAULT_DEADLINE_MS = 4500;
const BODY_TRICKLE_MS = 1500;
const COUNTING_BOT = join(import.meta.dirname, '../scale/fixtures/counting-bot.mjs');
const TOKEN = 'deadlinetoken1';

/** POSTs `body` in two halves BODY_TRICKLE_MS apart; resolves with the answer and the ms since the first byte. */
function trickle(url: string, body: string): Promise<{ status: number; body: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const started = performance.now();
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'text/xml', 'content-length': String(bytes.length) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, elapsedMs: performance.now() - started }),
        );
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    req.write(bytes.subarray(0, bytes.length >> 1));
    setTimeout(() => req.end(bytes.subarray(bytes.length >> 1)), BODY_TRICKLE_MS);
  });
}

function assertAtDeadline(r: { status: number; body: string; elapsedMs: number }): void {
  assert.equal(r.status, 200);
  assert.equal(r.body, 'success');
  // Counted from dispatch, or a later default, would answer at 6000 ms or more.
  assert.ok(
    r.elapsedMs >= DEFAULT_DEADLINE_MS - 100 && r.elapsedMs < DEFAULT_DEADLINE_MS + 900,
    `success after ${Math.round(r.elapsedMs)} ms, expected ${DEFAULT_DEADLINE_MS} ms after the first byte`,
  );
}

test('createHandler with no deadline option: success 4500 ms after the first byte of a slow body', async (t) => {
  const bot = createBot().on('text', () => new Promise<string>((r) => setTimeout(() => r('too late'), 8000)));
  const server = await startServer(bot, { token: TOKEN, host: '127.0.0.1', port: 0 });
  t.after(() => server.close());
  const p = buildPush(server.url, textXml('slow'), 'plain', { token: TOKEN });
  assertAtDeadline(await trickle(p.url, p.body));
});

const dir = mkdtempSync(join(tmpdir(), 'wxbot-deadline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('`wxbot serve` with no --deadline: success 4500 ms after the first byte of a slow body', async (t) => {
  // Without an AppSecret `wxbot serve` holds a slow message's first deliveries for WeChat's retries
  // (docs/guide/slow-replies.md); the deadline is what answers `success` when that strategy is off.
  const serve = await runServe([COUNTING_BOT, '--token', TOKEN], {
    env: { COUNT_FILE: join(dir, 'runs.log'), WXBOT_SLOW_REPLIES: 'off' },
  });
  t.after(() => serve.stop('SIGKILL'));
  const p = buildPush(serve.url, textXml('slow 8000 too late'), 'plain', { token: TOKEN });
  assertAtDeadline(await trickle(p.url, p.body));
});
