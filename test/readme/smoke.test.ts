// The documented commands (README*.md and docs/), run as written (bash, in a scratch project where
// `wxbot`/`npx wxbot` resolve to this checkout), against real servers; the internet is replaced by the
// local fakes. A docs edit that
// changes one of these lines fails here until the new line is run too (see coverage.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docCommands, docFiles } from './extract.js';
import { background, linkWxbot, scratchProject, sh, type Background } from './project.js';
import { freePort } from '../fakes/redis.js';
import { runServe } from '../cli/serve-child.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling } from '../fakes/tuling.js';
import { FAKE_OPENAI_KEY, FAKE_OPENAI_MODEL, startFakeOpenAI } from '../fakes/openai.js';
import { startFakeWechatApi } from '../fakes/wechat-api.js';
import { vectors } from '../helpers/fixtures.js';
import { requireProgram } from '../helpers/system.js';

const DOCS = docFiles();
const COMMANDS = docCommands(DOCS);
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The documented line, exactly as a page has it (fails when no page shows it any more). */
function line(text: string): string {
  const hit = COMMANDS.find((c) => norm(c.line) === norm(text));
  assert.ok(hit, `no page of the docs shows \`${text}\` any more`);
  return hit.line;
}

/** What a page prints right after a `$ command` line (its shown output). */
function shownOutput(text: string): string {
  for (const c of COMMANDS.filter((x) => norm(x.line) === norm(text))) {
    const lines = DOCS.find((f) => f.path === c.file)!.text.split('\n');
    const next = lines[c.at]!.trim();
    if (next && !/^(\$ |```|wxbot )/.test(next)) return next;
  }
  assert.fail(`no page shows output for \`${text}\``);
}

/**
 * Starts a serving documented line. Both "terminals" get the same free port in WXBOT_PORT, as both would
 * use the default 5050 on a laptop (tests never take fixed ports).
 */
async function serveIn(
  dir: string,
  cmd: string,
  env: Record<string, string> = {},
): Promise<Background & { env: Record<string, string> }> {
  for (let attempt = 1; ; attempt++) {
    const shared = { WXBOT_PORT: String(await freePort()), ...env };
    const s = background(cmd, dir, { WXBOT_HOST: '127.0.0.1', ...shared });
    try {
      await s.waitFor('Next');
      return Object.assign(s, { env: shared });
    } catch (err) {
      // The free port was taken between its choice and the listen (tests run side by side): another one.
      if (attempt >= 3 || !/already in use/.test((err as Error).message)) throw err;
    }
  }
}

function ok(r: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

// The scenarios are independent (own directory, own ports): run three at a time.
describe('documented commands, run as written', { concurrency: 3 }, () => {
  test('quick start: `npx wxbot serve`, then `npx wxbot simulate text 你好`, history and replay', async (t) => {
    const dir = scratchProject();
    const serve = await serveIn(dir, line('npx wxbot serve'));
    t.after(() => serve.stop());
    const first = await sh(line('npx wxbot simulate text 你好'), dir);
    ok(first, 'simulate');
    assert.match(first.stdout, /你好！发送「帮助」看看我能做什么。/);
    assert.match(first.stdout, /WeChat would accept this reply/);

    const json = await sh(line('wxbot simulate text 你好 --json'), dir);
    ok(json, 'simulate --json');
    assert.equal(JSON.parse(json.stdout).reply.MsgType, 'text');

    ok(await sh(line(`printf '你好\\n/subscribe 123\\n/click MENU_1\\n' > scenario.txt`), dir), 'printf');
    const scenario = await sh(line('wxbot simulate --json < scenario.txt'), dir);
    ok(scenario, 'scenario');
    const replies = scenario.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(replies.length, 3);
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200],
    );

    await waitForHistory(dir, 5);
    const list = await sh(line('npx wxbot history'), dir);
    ok(list, 'history');
    assert.match(list.stdout, /text 你好/);
    const one = await sh(line('npx wxbot history 3'), dir);
    ok(one, 'history 3');
    assert.equal(JSON.parse(one.stdout).id, 3);
    const all = await sh(line('npx wxbot history --json'), dir);
    ok(all, 'history --json');
    assert.ok(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)).length >= 5,
    );
    const replay = await sh(line('npx wxbot replay 3'), dir);
    ok(replay, 'replay 3');
    assert.match(replay.stdout, /same reply as before/);
    ok(await sh(line('wxbot history'), dir), 'wxbot history');
    ok(await sh(line('wxbot replay'), dir), 'wxbot replay');
    // Ctrl-C: the server shuts down cleanly and removes the hand-off file for simulate.
    await serve.stop();
    assert.ok(!existsSync(join(dir, '.wxbot', 'dev-session.json')));
  });

  // History is written behind the responses (at most every 500 ms).
  async function waitForHistory(dir: string, entries: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        if (
          readFileSync(join(dir, '.wxbot', 'history.ndjson'), 'utf8')
            .trim()
            .split('\n').length >= entries
        )
          return;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`history never reached ${entries} entries`);
  }

  test('a Token in .env: both terminals read it', async (t) => {
    const dir = scratchProject();
    ok(await sh(line('echo WECHAT_TOKEN=mytoken123 > .env'), dir), 'echo');
    const serve = await serveIn(dir, line('npx wxbot serve'));
    t.after(() => serve.stop());
    assert.doesNotMatch(serve.output(), /generated for this run/);
    ok(await sh(line('npx wxbot simulate text 你好'), dir, serve.env), 'simulate');
    ok(await sh(line('wxbot simulate text 你好'), dir, serve.env), 'simulate (installed)');
  });

  test("`wxbot keys >> .env` alone is refused by serve; the sandbox step's `--app-id` line serves every mode", async (t) => {
    const bare = scratchProject();
    ok(await sh(line('wxbot keys >> .env'), bare), 'keys');
    assert.match(readFileSync(join(bare, '.env'), 'utf8'), /^WECHAT_TOKEN=\w{3,32}\nWECHAT_AES_KEY=[A-Za-z0-9]{43}\n$/);
    const refused = await sh('npx wxbot serve --port 0', bare);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /Add WECHAT_APP_ID=/);

    const dir = scratchProject();
    ok(await sh(line('npx wxbot keys --app-id wx1234567890abcdef >> .env'), dir), 'keys --app-id');
    assert.match(
      readFileSync(join(dir, '.env'), 'utf8'),
      /^WECHAT_TOKEN=\w{3,32}\nWECHAT_AES_KEY=[A-Za-z0-9]{43}\nWECHAT_APP_ID=wx1234567890abcdef\n$/,
    );
    const serve = await serveIn(dir, line('npx wxbot serve'));
    t.after(() => serve.stop());
    for (const mode of ['plain', 'compat', 'safe']) {
      const r = await sh(line(`wxbot simulate text 你好 --mode ${mode}`), dir, serve.env);
      ok(r, mode);
      assert.match(r.stdout, new RegExp(`${mode === 'compat' ? 'compat' : mode} mode`));
    }
  });

  test(
    '`wxbot sign` prints what the docs show, and its signed URL passes curl through serve',
    requireProgram('curl', { install: 'apt-get install curl' }),
    async (t) => {
      const dir = scratchProject();
      const plain = await sh(line('wxbot sign --token AAAAA --timestamp 1714036504 --nonce 1514711492'), dir);
      ok(plain, 'sign');
      assert.equal(
        plain.stdout.trim(),
        shownOutput('wxbot sign --token AAAAA --timestamp 1714036504 --nonce 1514711492'),
      );

      const v = vectors.find((x) => x.timestamp === '1714112445' && x.nonce === '415670741')!;
      const enc = await sh(
        line('wxbot sign --token AAAAA --timestamp 1714112445 --nonce 415670741 --encrypt "$ENCRYPT"'),
        dir,
        { ENCRYPT: v.encrypt! },
      );
      ok(enc, 'sign --encrypt');
      assert.equal(enc.stdout.trim().split('\n')[1], v.msgSignature);

      const json = JSON.parse((await sh(line('wxbot sign --token abc123 --json'), dir)).stdout);
      assert.deepEqual(Object.keys(json).sort(), ['nonce', 'signature', 'timestamp']);

      const server = await runServe(['--token', 'abc123']);
      t.after(() => server.stop());
      const curl = await sh(
        line('curl "$(wxbot sign --token abc123 --echostr hello --url http://127.0.0.1:5050/wechat)"').replace(
          'http://127.0.0.1:5050',
          server.origin,
        ),
        dir,
      );
      ok(curl, 'curl');
      assert.equal(curl.stdout, 'hello');
    },
  );

  test('checking your own server: verify, plaintext messages and events, safe mode', async (t) => {
    const dir = scratchProject();
    const server = await runServe([
      '--token',
      'abc123',
      '--aes-key',
      'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      '--app-id',
      'wx2c2769f8efd9abc2',
    ]);
    t.after(() => server.stop());
    const host = new URL(server.origin).host;
    for (const cmd of [
      line('wxbot simulate verify --url http://127.0.0.1:8000/wechat --token abc123'),
      line('wxbot simulate text 你好 --url http://127.0.0.1:8000/wechat --token abc123'),
      line('wxbot simulate event subscribe --url http://127.0.0.1:8000/wechat --token abc123'),
      line(
        'wxbot simulate text 你好 --url http://127.0.0.1:8000/wechat --token abc123 --aes-key abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG --app-id wx2c2769f8efd9abc2',
      ),
    ]) {
      const r = await sh(cmd.replace('127.0.0.1:8000', host), dir);
      ok(r, cmd);
      assert.match(r.stdout + r.stderr, /✓/);
    }
  });

  test('`export WECHAT_TOKEN=abc123` + `wxbot serve` in one terminal, `wxbot simulate text 你好` in the other', async (t) => {
    const dir = scratchProject();
    line('export WECHAT_TOKEN=abc123');
    const serve = await serveIn(dir, line('wxbot serve'), { WECHAT_TOKEN: 'abc123' });
    t.after(() => serve.stop());
    ok(await sh(line('wxbot simulate text 你好'), dir, serve.env), 'simulate');
  });

  test('`wxbot chat` against Tuling and an OpenAI-compatible API (local fakes at their documented paths)', async (t) => {
    const dir = scratchProject();
    const tuling = await startFakeTuling();
    const openai = await startFakeOpenAI();
    t.after(() => Promise.all([tuling.close(), openai.close()]));
    const tulingEnv = { TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: tuling.url };
    const r = await sh(line('wxbot chat 你好'), dir, tulingEnv);
    ok(r, 'chat');
    assert.match(r.stdout, new RegExp(fakeTulingAnswer('你好')));
    const both = {
      ...tulingEnv,
      OPENAI_API_KEY: FAKE_OPENAI_KEY,
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_MODEL: FAKE_OPENAI_MODEL,
    };
    ok(
      await sh(line('wxbot chat --provider openai --user oMyOpenId123 "用一句话介绍你自己"'), dir, both),
      'chat --provider openai',
    );
    const json = await sh(line('wxbot chat --json 附近的酒店'), dir, tulingEnv);
    ok(json, 'chat --json');
    assert.equal(JSON.parse(json.stdout).provider, 'tuling');
    const interactive = await sh(
      line('wxbot chat'),
      dir,
      { OPENAI_API_KEY: FAKE_OPENAI_KEY, OPENAI_BASE_URL: openai.baseUrl, OPENAI_MODEL: FAKE_OPENAI_MODEL },
      '我叫小明\n我叫什么？\n',
    );
    ok(interactive, 'interactive chat');
    assert.equal(openai.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'user').length, 2);
  });

  test('`npx wxbot init my-bot`, `npm run dev`, `npx wxbot simulate text 你好`', async (t) => {
    const dir = scratchProject();
    ok(await sh(line('npx wxbot init my-bot'), dir), 'init');
    line('cd my-bot');
    const bot = join(dir, 'my-bot');
    // The project depends on this checkout (file:); test/init/install.test.ts runs the real `npm install`.
    // Here a link stands in for it, which is all npm makes of a file: dependency, in a fraction of the time.
    line('npm install');
    linkWxbot(bot);
    const dev = await serveIn(bot, line('npm run dev'));
    t.after(() => dev.stop());
    const r = await sh(line('npx wxbot simulate text 你好'), bot, dev.env);
    ok(r, 'simulate');
    assert.match(r.stdout, /你好！我是你的公众号机器人/);
  });

  test('`wxbot menu`: the documented menu.json, validated, created, read back and deleted (WeChat API fake)', async (t) => {
    const dir = scratchProject();
    const api = await startFakeWechatApi();
    t.after(() => api.stop());
    const menu = DOCS.map((f) => /`menu\.json`:\n\n```json\n([\s\S]*?)\n```/.exec(f.text)).find(Boolean);
    assert.ok(menu, 'a page shows menu.json');
    writeFileSync(join(dir, 'menu.json'), menu[1]!);
    const env = { WECHAT_APP_ID: api.appId, WECHAT_APP_SECRET: api.appSecret, WECHAT_API_BASE: api.url };
    ok(await sh(line('wxbot menu create menu.json --dry-run'), dir, env), 'dry run');
    assert.equal(api.calls.filter((c) => c.path.includes('/menu/')).length, 0);
    ok(await sh(line('wxbot menu create menu.json'), dir, env), 'create');
    ok(await sh(line('wxbot menu get > current.json'), dir, env), 'get');
    const current = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8'));
    assert.deepEqual(
      current.button.map((b: { name: string }) => b.name),
      JSON.parse(menu[1]!).button.map((b: { name: string }) => b.name),
    );
    ok(await sh(line('wxbot menu delete'), dir, env), 'delete');
  });

  test('`npm install -g .` in the clone gives a `wxbot` command (into a scratch prefix, not the machine)', async () => {
    assert.ok(
      DOCS.some((f) => f.text.includes('`npm install -g .` in the clone')),
      'no page says so any more',
    );
    const prefix = scratchProject();
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // Without scripts: npm would run this checkout's `prepare` (tsc, a minute on a busy machine), which
    // rewrites dist/ under the tests running beside this one; dist/ is built already.
    ok(await sh('npm install -g . --ignore-scripts', root, { npm_config_prefix: prefix }), 'npm install -g .');
    const r = await sh(`"${join(prefix, 'bin', 'wxbot')}" --version`, prefix);
    ok(r, 'wxbot --version');
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('the scratch project really resolves `wxbot` to this checkout', async () => {
    const dir = scratchProject();
    mkdirSync(join(dir, 'x'));
    const r = await sh('wxbot --version', dir);
    ok(r, 'version');
    assert.equal(
      r.stdout.trim(),
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    );
  });
});
