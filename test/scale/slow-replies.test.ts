/**
 * Acceptance of the retry window (docs/guide/slow-replies.md) on a real `wxbot serve` with the demo
 * bot and a fake OpenAI-compatible provider, no AppSecret. WeChat's timing is scaled down: each
 * delivery gets 2 s instead of 5 (`--timeout 2`), the deadline is 1.5 s instead of 4.5 (room for a
 * loaded machine) and a held delivery is closed at 2.2 s instead of 5.5; the provider's 8 s and 20 s
 * become 3 s and 8 s, in the same places between the deliveries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DEFAULT_WAITING_TEXT } from '../../src/bot/slow-reply.js';
import { wxbot } from '../cli/simulate-helpers.js';
import { FAKE_OPENAI_KEY, FAKE_OPENAI_MODEL, startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { textXml } from '../server/client.js';
import { playWechat } from './deliveries.js';
import { ROOT } from '../cli/serve-child.js';
import { startReplica, type Replica, until } from './helpers.js';

const TOKEN = 'slowtoken42';
const OPENID = 'oSlowUser000000000000000001';
const SERVE = ['--token', TOKEN, '--deadline', '1500', '--log-format', 'json'];

const logOf = (r: Replica) =>
  r
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('retry window on wxbot serve (no AppSecret, a provider slower than WeChat waits)', () => {
  let openai: FakeOpenAI;
  let serve: Replica;
  let off: Replica;
  let own: Replica;
  // Requests whose newest user message is `text` (earlier turns ride along as memory).
  const asked = (text: string) =>
    openai.requests.filter(
      (r) => r.body?.messages?.findLast((m: { role: string }) => m.role === 'user')?.content === text,
    ).length;
  const simulateOn = (r: Replica, text: string, ...more: string[]) =>
    wxbot(['simulate', 'text', text, '--json', '--url', r.url, '--token', TOKEN, ...more]);
  const simulate = (text: string, ...more: string[]) => simulateOn(serve, text, '--from', OPENID, ...more);

  before(async () => {
    openai = await startFakeOpenAI();
    const env = {
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_MODEL: FAKE_OPENAI_MODEL,
      WXBOT_SLOW_HOLD_MS: '2200',
    };
    // A bot of the user's own, as `wxbot init` writes it: chat() over providerFromEnv.
    const dir = mkdtempSync(join(tmpdir(), 'wxbot-own-bot-'));
    const lib = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
    writeFileSync(
      join(dir, 'bot.mjs'),
      `import { chat, createBot, loadEnv, providerFromEnv } from '${lib}';\n` +
        'export default createBot().fallback(chat(providerFromEnv(loadEnv()).provider));\n',
    );
    [serve, off, own] = await Promise.all([
      startReplica(SERVE, env),
      startReplica([...SERVE, '--slow-replies', 'off'], env),
      startReplica([join(dir, 'bot.mjs'), ...SERVE], env),
    ]);
  });
  after(async () => {
    await Promise.all([serve?.stop(), off?.stop(), own?.stop()]);
    await openai?.close();
  });

  test('an answer after 8 s (here 3 s): delivery 1 is held, delivery 2 carries the answer, the provider is asked once', async () => {
    const r = await simulate('#slow:3000 讲个故事', '--retry', '--timeout', '2');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.answeredBy, 2, `${JSON.stringify(j.deliveries)}\n${serve.stdout()}`);
    assert.match(j.reply.Content, /^回声：#slow:3000 讲个故事/);
    assert.match(j.warnings[0], /answered only on delivery 2/);
    assert.equal(asked('#slow:3000 讲个故事'), 1);
    // Delivery 2 answers before its own deadline, or held past it when the machine is slow: both are right.
    const steps = logOf(serve).filter((l) => l.type === 'request' && l.slow);
    assert.deepEqual([steps[0]!.slow, steps[0]!.delivery, steps[0]!.status], ['held', 1, 0]);
    assert.deepEqual([steps[1]!.slow, steps[1]!.status], ['answered', 200]);
  });

  test('an answer after 20 s (here 8 s): the third delivery gets the waiting text, the next message the answer, once', async () => {
    const played = await playWechat([serve.url], textXml('#slow:8000 写首诗', { from: OPENID }), TOKEN, 2000);
    assert.deepEqual(
      played.deliveries.map((d) => d.outcome),
      ['abandoned', 'abandoned', 'answered'],
    );
    assert.equal(played.answer, DEFAULT_WAITING_TEXT);
    assert.ok(played.deliveries[2]!.ms < 2000, "within the third delivery's window");
    await until('the pending answer', () => logOf(serve).find((l) => l.type === 'slow'));

    const next = JSON.parse((await simulate('还在吗')).stdout);
    assert.match(next.reply.Content, /^回声：#slow:8000 写首诗/);
    assert.equal(asked('还在吗'), 0, 'the message that fetched the answer did not reach the provider');
    const third = JSON.parse((await simulate('#slow:10 第三条')).stdout);
    assert.match(third.reply.Content, /^回声：#slow:10 第三条/);
    assert.equal(asked('#slow:8000 写首诗'), 1);

    // The whole story in `wxbot history`.
    const h = await wxbot(['history'], { cwd: serve.cwd });
    assert.equal(h.code, 0, h.stderr);
    for (const step of [
      'held on delivery 1',
      'held on delivery 2',
      'waiting on delivery 3',
      'kept for the next message',
      'pending answer',
    ])
      assert.ok(h.stdout.includes(step), `history shows "${step}":\n${h.stdout}`);
  });

  test("a bot of the user's own with chat(): its provider gets the retry window's time too, not 3.5 s", async () => {
    // 3.7 s: past the 3.5 s a provider gets when only the passive reply counts, inside delivery 2.
    const r = await simulateOn(own, '#slow:3700 自己的机器人', '--retry', '--timeout', '2');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.match(j.reply.Content, /^回声：#slow:3700 自己的机器人/, `${JSON.stringify(j.deliveries)}\n${own.stdout()}`);
    assert.ok(j.answeredBy >= 2, 'delivery 1 was held');
  });

  test('--slow-replies off: `success` at the deadline and nothing else', async () => {
    const r = await simulateOn(off, '#slow:3000 关掉', '--retry', '--timeout', '2');
    const j = JSON.parse(r.stdout);
    assert.equal(j.answeredBy, 1, `${JSON.stringify(j.deliveries)}\n${off.stdout()}`);
    assert.equal(j.ack, 'success');
    // The request log is written in batches, after the reply: on a loaded machine it may trail simulate.
    const line = await until('the request logged as late', () =>
      logOf(off).find((l) => l.type === 'request' && (l as { late?: boolean }).late),
    );
    assert.equal(line.slow, undefined);
    assert.match(
      off.stderr(),
      /Slow {5}answers after 1\.5 s are dropped: the user gets nothing \(--slow-replies off\)/,
    );
  });
});
