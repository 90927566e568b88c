// The path a newcomer takes after the demo, end to end with real child processes: `npx wxbot init my-bot`
// from this checkout, a real `npm install` in the new project (its wxbot dependency must be one npm can
// satisfy without a registry), `npm run dev`, and `npx wxbot simulate text 你好` answered by the bot.
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../fakes/redis.js';
import { type Background, background, scratchProject, sh } from '../readme/project.js';

const ROOT = realpathSync(new URL('../..', import.meta.url));

test('wxbot init → npm install exits 0 → npm run dev answers wxbot simulate text 你好', async (t) => {
  const dir = scratchProject();
  let dev: Background | undefined;
  t.after(async () => {
    await dev?.stop();
    // Links are removed, not followed: the checkout behind node_modules/wxbot stays.
    rmSync(dir, { recursive: true, force: true });
  });
  const init = await sh('npx wxbot init my-bot --json', dir);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(JSON.parse(init.stdout).wxbotSpec, `file:${ROOT}`);
  const bot = join(dir, 'my-bot');
  assert.equal(JSON.parse(readFileSync(join(bot, 'package.json'), 'utf8')).dependencies.wxbot, `file:${ROOT}`);

  // --ignore-scripts: npm would run this checkout's `prepare` (tsc) and rewrite dist/ under the tests
  // running beside this one; dist/ is built already. npm is offline here (see sh): no registry is asked.
  const install = await sh('npm install --no-audit --no-fund --prefer-offline --ignore-scripts', bot);
  assert.equal(install.code, 0, `npm install\nstdout: ${install.stdout}\nstderr: ${install.stderr}`);
  assert.doesNotMatch(install.stdout + install.stderr, /npm (error|warn)/);
  assert.ok(lstatSync(join(bot, 'node_modules', 'wxbot')).isSymbolicLink(), 'npm linked the file: dependency');
  assert.equal(realpathSync(join(bot, 'node_modules', 'wxbot')), ROOT);

  // The project's own test (tests/hello.convo through `wxbot test`) passes with the installed wxbot.
  const own = await sh('npm test', bot);
  assert.equal(own.code, 0, `npm test\nstdout: ${own.stdout}\nstderr: ${own.stderr}`);

  const port = String(await freePort());
  dev = background('npm run dev', bot, { WXBOT_HOST: '127.0.0.1', WXBOT_PORT: port });
  await dev.waitFor('Next', 30_000);
  const hello = await sh('npx wxbot simulate text 你好', bot, { WXBOT_PORT: port });
  assert.equal(hello.code, 0, hello.stdout + hello.stderr);
  assert.match(hello.stdout, /你好！我是你的公众号机器人/);
  assert.match(hello.stdout, /WeChat would accept this reply/);
});
