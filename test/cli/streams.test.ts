// Data on stdout, everything else on stderr (clig.dev). What counts as data, per command:
//   serve     the request log (its event stream, one line per request; `--log-format json` makes it NDJSON);
//             the banner, reload notices and shutdown messages are stderr
//   tunnel    the console values (paste box, or the --json object); progress, self-check, hints on stderr;
//             the request log on stdout like serve, or on stderr with --json (stdout stays one document)
//   simulate  the rendered exchange (or --json/--raw); the chat banner and prompts' notes on stderr
//   sign, chat, keys, history, replay, menu, init, completion: their result; notes and hints on stderr
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BROKEN_ACCOUNT } from '../fakes/broken-server.js';
import { requireProgram } from '../helpers/system.js';
import { startWorld, wxbot, type Run, type World } from './conventions-world.js';
import { BIN, cleanEnv, runWxbot } from './tunnel-child.js';

let w: World;
before(async () => {
  w = await startWorld();
});
after(() => w?.stop());

test('serve: the banner is on stderr; stdout carries only the request log, one line per request', async (t) => {
  const c = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1', '--token', 'streamstoken1', '--no-history'], {
    cwd: w.empty,
  });
  t.after(() => c.kill('SIGKILL'));
  const url = (await c.waitFor(/URL\s+(http:\/\/\S+)/))[1]!;
  assert.match(c.stderr(), /wxbot serve/);
  assert.match(c.stderr(), /Next\s+wxbot simulate/);
  assert.equal(c.stdout(), '', 'nothing on stdout before the first request');
  await fetch(`${url}?signature=bad&timestamp=1&nonce=2&echostr=x`);
  await c.waitFor(/GET\s+401/, 'stdout');
  c.kill('SIGTERM');
  assert.equal((await c.exited).code, 0);
  const lines = c.stdout().trim().split('\n');
  assert.equal(lines.length, 1, c.stdout());
  assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} GET\s+401 /);
  assert.match(c.stderr(), /SIGTERM: finishing in-flight requests/);
});

test('tunnel: stdout is the paste box; progress and the self-check are on stderr', async (t) => {
  const origin = new URL(w.good.url).origin;
  const c = runWxbot(
    ['tunnel', '--to', new URL(w.good.url).port, '--token', BROKEN_ACCOUNT.token, '--public-url', origin],
    { cwd: w.empty },
  );
  t.after(() => c.kill('SIGKILL'));
  await c.waitFor(/wxbot: ready/);
  c.kill('SIGINT');
  assert.equal((await c.exited).code, 0);
  assert.match(c.stderr(), /✓ Public URL: /);
  assert.match(c.stderr(), /✓ URL verification/);
  const out = c.stdout();
  assert.match(out, /服务器地址\(URL\)/);
  assert.match(out, new RegExp(`${origin}/wechat`));
  assert.doesNotMatch(out, /✓|Public URL|ready|SIGINT/, 'no progress on stdout');
});

test('simulate chat: the banner on stderr, the replies on stdout', async () => {
  const r = await wxbot(['simulate', '--url', w.good.url, '--token', BROKEN_ACCOUNT.token, '--mode', 'plain'], {
    cwd: w.empty,
    input: '你好\n',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Chatting with /);
  assert.doesNotMatch(r.stdout, /Chatting with/);
  assert.match(r.stdout, /✓ WeChat would accept this reply/);
});

test('sign: a generated timestamp and nonce are reported on stderr; stdout is the bare signature', async () => {
  const r = await wxbot(['sign', '--token', 'T'], { cwd: w.empty });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^[0-9a-f]{40}\n$/);
  assert.match(r.stderr, /^timestamp=\d+ nonce=\d+\n$/);
});

test('chat: the answer on stdout, provider and latency on stderr', async () => {
  const r = await wxbot(['chat', '你好'], {
    cwd: w.empty,
    env: { TULING_KEY: '0123456789abcdef0123456789abcdef', TULING_API_URL: w.tuling.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '图灵收到：你好\n');
  assert.match(r.stderr, /\(tuling, \d+ ms\)/);
});

test('history with nothing recorded: the hint on stderr, stdout empty, exit 0', async () => {
  const r = await wxbot(['history'], { cwd: w.empty });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /No exchanges recorded/);
  const json = await wxbot(['history', '--json'], { cwd: w.empty });
  assert.equal(json.stdout, '', 'NDJSON of nothing is no lines');
});

test('completion: the script on stdout, nothing on stderr', async () => {
  const r = await wxbot(['completion', 'bash'], { cwd: w.empty });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /complete -F _wxbot wxbot\n$/);
});

// The pipelines the README shows, run literally by sh (wxbot is a shell function calling bin/wxbot.js).
const pipeTools =
  requireProgram('curl', { install: 'apt-get install curl' }).skip ||
  requireProgram('jq', { install: 'apt-get install jq' }).skip;
function sh(line: string, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `wxbot() { "$WXBOT_NODE" "$WXBOT_BIN" "$@"; }\n${line}`], {
      cwd,
      env: cleanEnv({ WXBOT_NODE: process.execPath, WXBOT_BIN: BIN }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('stdout pipes: sign | xargs curl, simulate --json | jq, keys --json | jq, history --json | jq', {
  skip: pipeTools,
}, async () => {
  const signed = await sh(
    `wxbot sign --token ${BROKEN_ACCOUNT.token} --echostr hello --url ${w.good.url} | xargs curl -s`,
    w.empty,
  );
  assert.equal(signed.stdout, 'hello');
  const reply = await sh(
    `wxbot simulate text 你好 --url ${w.good.url} --token ${BROKEN_ACCOUNT.token} --json | jq -r .reply.Content`,
    w.empty,
  );
  assert.equal(reply.stdout, 'you said: 你好\n');
  const token = await sh('wxbot keys --json | jq -r .token', w.empty);
  assert.match(token.stdout, /^[A-Za-z0-9]{32}\n$/);
  const texts = await sh(`wxbot history --json | jq -r 'select(.msgType=="text") | .content'`, w.hist);
  assert.equal(texts.stdout, '你好\n');
});
