// A bot module reads its own settings from process.env: under `wxbot serve` and `wxbot test` it finds
// the `.env` it shares with wxbot there, and the environment still wins.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT, runServe, tempDir } from './serve-child.js';
import { wxbot } from './simulate-helpers.js';

const DIST = pathToFileURL(join(ROOT, 'dist/index.js')).href;
const BOT = `import { createBot } from '${DIST}';
export default createBot().text('key', () => \`\${process.env.MY_BOT_CITY ?? 'unset'} \${process.env.MY_BOT_MODE ?? 'unset'}\`);
`;

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'bot.mjs'), BOT);
  writeFileSync(join(dir, '.env'), 'WECHAT_TOKEN=dotenvtoken1\nMY_BOT_CITY=from-dotenv\nMY_BOT_MODE=from-dotenv\n');
  writeFileSync(join(dir, 'tests.convo'), '> key\n< from-dotenv from-environment\n');
  return dir;
}

test('wxbot serve: .env names the environment lacks reach the bot through process.env', async (t) => {
  const cwd = project();
  const serve = await runServe(['bot.mjs'], { cwd, env: { MY_BOT_MODE: 'from-environment' } });
  t.after(() => serve.stop());
  const r = await wxbot(['simulate', 'text', 'key', '--url', serve.url, '--token', 'dotenvtoken1'], { cwd });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /from-dotenv from-environment/);
});

test('wxbot test: the same for the bot it runs in-process', async () => {
  const cwd = project();
  const r = await wxbot(['test', 'tests.convo', '--bot', 'bot.mjs'], { cwd, env: { MY_BOT_MODE: 'from-environment' } });
  assert.equal(r.code, 0, r.stderr + r.stdout);
});
