/**
 * --retry against the real `wxbot serve` with a slow bot: WeChat's re-delivery of the same MsgId
 * must reach the same pending answer, not run the bot twice (protocol.md §5.4).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startServe, tempCwd, wxbot, type ServeChild } from './simulate-helpers.js';

const TOKEN = 'tok123';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP = 'wx2c2769f8efd9abc2';
const LIB = pathToFileURL(join(import.meta.dirname, '../../dist/index.js')).href;
let serve: ServeChild;

before(async () => {
  const cwd = tempCwd();
  writeFileSync(
    join(cwd, 'bot.mjs'),
    `import { createBot } from ${JSON.stringify(LIB)};
let calls = 0;
export default createBot().text('slow', async () => {
  const n = ++calls;
  await new Promise((r) => setTimeout(r, 2000));
  return 'slow answer #' + n;
});
`,
  );
  serve = await startServe(['bot.mjs', '--token', TOKEN, '--aes-key', AES, '--app-id', APP], { cwd });
});
after(() => serve?.stop());

test('a slow answer misses the first delivery and arrives on the re-sent one; the bot ran once', async () => {
  const r = await wxbot([
    'simulate',
    'text',
    'slow',
    '--retry',
    '--timeout',
    '1.5',
    '--json',
    '--url',
    serve.url,
    '--token',
    TOKEN,
    '--aes-key',
    AES,
    '--app-id',
    APP,
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(
    j.deliveries.map((d: { outcome: string }) => d.outcome),
    ['timeout', 'answered'],
  );
  assert.equal(j.reply.Content, 'slow answer #1');
  assert.deepEqual(j.problems, []);
  assert.match(j.warnings[0], /answered only on delivery 2/);
});

test('without --retry the same slow answer is a timeout problem (exit 1)', async () => {
  const r = await wxbot([
    'simulate',
    'text',
    'slow',
    '--timeout',
    '0.5',
    '--url',
    serve.url,
    '--token',
    TOKEN,
    '--mode',
    'plain',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /problem: no answer within 0\.50 s/);
  assert.match(r.stderr, /hint: WeChat delivers an unanswered message again.*add --retry to play WeChat's deliveries/);
});
