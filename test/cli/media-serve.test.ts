// Local development without an AppSecret: `wxbot serve` answers ctx.replyImage({ file }) with a
// placeholder media_id (nothing uploaded, the log says so), and `wxbot simulate` shows where the
// picture is.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { mediaFiles } from '../helpers/media-files.js';
import { runChild } from '../helpers/run-child.js';
import { BIN, cleanEnv, runWxbot, type Child } from './tunnel-child.js';

const DIST = pathToFileURL(new URL('../../dist/index.js', import.meta.url).pathname).href;
const TOKEN = 'devmediatoken1';

let dir: string;
let serve: Child;
let url: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxbot-media-dev-'));
  writeFileSync(join(dir, 'cat.png'), mediaFiles.png());
  writeFileSync(
    join(dir, 'bot.mjs'),
    [
      `import { createBot } from '${DIST}';`,
      'export default createBot()',
      "  .text('猫', (ctx) => ctx.replyImage({ file: './cat.png' }))",
      // A media reply the handler forgets to await, from a file that is not there.
      "  .text('x', (ctx) => { ctx.replyImage({ file: './nope.png' }); return 'text instead'; })",
      "  .text('y', () => 'still alive');",
      '',
    ].join('\n'),
  );
  serve = runWxbot(['serve', 'bot.mjs', '--port', '0', '--host', '127.0.0.1', '--token', TOKEN, '--no-history'], {
    cwd: dir,
  });
  url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
});
after(async () => {
  serve?.kill();
  await serve?.exited;
  rmSync(dir, { recursive: true, force: true });
});

test('wxbot serve without an AppSecret replies with a placeholder picture the simulator can show', async () => {
  const r = await runChild(process.execPath, [BIN, 'simulate', 'text', '猫', '--url', url, '--token', TOKEN], {
    cwd: dir,
    env: cleanEnv(),
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const id = /MediaId (LOCAL_image_[0-9a-f]{40})/.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);
  assert.match(r.stdout, new RegExp(`local placeholder, not uploaded: \\.wxbot/media/${id}\\.png`));
  assert.deepEqual(readFileSync(join(dir, '.wxbot', 'media', `${id}.png`)), readFileSync(join(dir, 'cat.png')));
  await serve.waitFor(/\.\/cat\.png was not uploaded \(no WECHAT_APP_SECRET: local development\)/);
  assert.ok(existsSync(join(dir, '.wxbot', 'media')));
  const json = await runChild(
    process.execPath,
    [BIN, 'simulate', 'text', '猫', '--url', url, '--token', TOKEN, '--json'],
    {
      cwd: dir,
      env: cleanEnv(),
    },
  );
  assert.equal(JSON.parse(json.stdout).reply.Image.MediaId, id);
  // Said once, not per reply.
  assert.equal(serve.stderr().split('was not uploaded').length, 2);
});

test('a media reply the handler did not await fails in the log, once, and the server answers the next message', async () => {
  const simulate = (text: string) =>
    runChild(process.execPath, [BIN, 'simulate', 'text', text, '--url', url, '--token', TOKEN], {
      cwd: dir,
      env: cleanEnv(),
    });
  const x = await simulate('x');
  assert.equal(x.code, 0, x.stderr + x.stdout);
  assert.match(x.stdout, /text instead/);
  await serve.waitFor(
    /ERROR oUse…\w+ WechatApiError \w+: cannot read the local file \.\/nope\.png: no such file/,
    'stdout',
  );
  const y = await simulate('y');
  assert.equal(y.code, 0, y.stderr + y.stdout);
  assert.match(y.stdout, /still alive/);
  assert.equal(
    serve
      .stdout()
      .split('\n')
      .filter((l) => /ERROR .*nope\.png/.test(l)).length,
    1,
    'reported once',
  );
  assert.doesNotMatch(serve.stderr(), /unhandled|UnhandledPromiseRejection/i);
});
