// `wxbot chat` as a child process against the fake Tuling and OpenAI-compatible servers.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runChild, type Run } from '../helpers/run-child.js';
import { tulingUserId } from '../../src/providers/index.js';
import {
  FAKE_OPENAI_KEY,
  FAKE_OPENAI_MODEL,
  fakeOpenAIAnswer,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../fakes/openai.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';

const BIN = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));
let tuling: FakeTuling;
let secretTuling: FakeTuling;
let openai: FakeOpenAI;
before(async () => {
  [tuling, secretTuling, openai] = await Promise.all([
    startFakeTuling(),
    startFakeTuling({ secret: 'robot-secret-01' }),
    startFakeOpenAI(),
  ]);
});
after(async () => {
  await Promise.all([tuling.close(), secretTuling.close(), openai.close()]);
});

const emptyDir = () => mkdtempSync(join(tmpdir(), 'wxbot-chat-'));

/** Async: the fakes live in this process and must keep answering while the child runs. */
function chat(args: string[], o: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env)) if (!/^(TULING_|OPENAI_|WXBOT_|WECHAT_)/.test(k)) env[k] = v;
  return runChild(process.execPath, [BIN, 'chat', ...args], {
    cwd: o.cwd ?? emptyDir(),
    env: { ...env, ...o.env },
    input: o.input,
  });
}

const tulingEnv = () => ({ TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: tuling.url });
const openaiEnv = () => ({
  OPENAI_API_KEY: FAKE_OPENAI_KEY,
  OPENAI_BASE_URL: openai.baseUrl,
  OPENAI_MODEL: FAKE_OPENAI_MODEL,
});

test("wxbot chat 你好 prints Tuling's answer", async () => {
  const r = await chat(['你好'], { env: tulingEnv() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${fakeTulingAnswer('你好')}\n`);
  assert.match(r.stderr, /\(tuling, \d+ ms\)/);
});

test('--json prints the request summary without the key, the raw response, the mapped reply and the latency', async () => {
  const r = await chat(['--json', '--user', 'oUserA-_1', '#news'], { env: tulingEnv() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.includes(FAKE_TULING_KEY), false);
  const j = JSON.parse(r.stdout);
  assert.equal(j.ok, true);
  assert.equal(j.provider, 'tuling');
  assert.equal(j.request.url, tuling.url);
  assert.equal(j.request.body.userInfo.apiKey, '01…ef');
  assert.equal(j.request.body.userInfo.userId, tulingUserId('oUserA-_1'));
  assert.equal(j.response.status, 200);
  assert.equal(j.response.body.intent.code, 10003);
  assert.equal(j.reply.MsgType, 'news');
  assert.equal(j.reply.Articles[0].Url, 'https://example.com/n/1');
  assert.equal(typeof j.latencyMs, 'number');
  assert.equal(tuling.requests.at(-1)!.body.userInfo.userId, tulingUserId('oUserA-_1'));
});

test('a Tuling error code: its code and meaning, exit 1 (and --json says ok:false)', async () => {
  const r = await chat(['#code:4003'], { env: tulingEnv() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /tuling: PROVIDER_ERROR 4003 该apikey没有可用请求次数 \(quota exhausted for this apiKey\)/);
  const j = await chat(['--json', '#code:4007'], { env: tulingEnv() });
  assert.equal(j.code, 1);
  const out = JSON.parse(j.stdout);
  assert.deepEqual(
    [out.ok, out.error.code, out.error.providerCode, out.error.meaning.zh],
    [false, 'PROVIDER_ERROR', 4007, 'apikey不合法'],
  );
  assert.equal(out.response.body.intent.code, 4007);
  assert.equal(j.stdout.includes(FAKE_TULING_KEY), false);
});

test('words that are only spaces: exit 2, not the interactive mode', async () => {
  const r = await chat(['   '], { env: tulingEnv() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nothing to ask: the text is empty/);
});

test('missing keys name the variable and exit 2', async () => {
  const none = await chat(['你好']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /TULING_KEY.*OPENAI_API_KEY/);
  const openaiMissing = await chat(['--provider', 'openai', '你好'], { env: tulingEnv() });
  assert.equal(openaiMissing.code, 2);
  assert.match(openaiMissing.stderr, /OPENAI_API_KEY is not set/);
  const bad = await chat(['--provider', 'eliza', 'hi'], { env: tulingEnv() });
  assert.equal(bad.code, 2);
});

test('unreachable or too slow: exit 3', async () => {
  const refused = await chat(['你好'], { env: { TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: 'http://127.0.0.1:1' } });
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /NETWORK .*ECONNREFUSED/);
  const slow = await chat(['--timeout', '300', '#slow:5000'], { env: tulingEnv() });
  assert.equal(slow.code, 3);
  assert.match(slow.stderr, /TIMEOUT/);
});

test('an answer slower than serve would wait: the note says what serve does with it', async () => {
  const fixed = await chat(['#slow:300 慢'], { env: { ...tulingEnv(), WXBOT_CHAT_BUDGET_MS: '100' } });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stderr, /note: inside `wxbot serve` the reply budget is 100 ms \(WXBOT_CHAT_BUDGET_MS\)/);
  // Past the 3.5 s of a passive reply, with no budget set: serve's slow-reply strategy decides.
  const slow = await chat(['#slow:3600 很慢'], { env: tulingEnv() });
  assert.equal(slow.code, 0, slow.stderr);
  assert.match(
    slow.stderr,
    /note: too slow for the passive reply within WeChat's 5 s: `wxbot serve` delivers it later/,
  );
  const quick = await chat(['快'], { env: tulingEnv() });
  assert.doesNotMatch(quick.stderr, /note:/);
});

test('HTTP 5xx and broken bodies: exit 1 with the reason', async () => {
  const r = await chat(['#http:502'], { env: tulingEnv() });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HTTP_5XX/);
  const b = await chat(['#broken'], { env: tulingEnv() });
  assert.equal(b.code, 1);
  assert.match(b.stderr, /BAD_JSON/);
});

test('settings come from .env in the working directory; TULING_SECRET encrypts', async () => {
  const cwd = emptyDir();
  writeFileSync(
    join(cwd, '.env'),
    `TULING_API_KEY=${FAKE_TULING_KEY}\nTULING_API_URL=${secretTuling.origin}\nTULING_SECRET=robot-secret-01\n`,
  );
  const r = await chat(['加密的你好'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${fakeTulingAnswer('加密的你好')}\n`);
  assert.equal(secretTuling.requests.at(-1)!.encrypted, true);
});

test('OpenAI-compatible: --provider openai chooses it when both are configured', async () => {
  const r = await chat(['--provider', 'openai', 'hello'], { env: { ...tulingEnv(), ...openaiEnv() } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${fakeOpenAIAnswer('hello', 0)}\n`);
  const sent = openai.requests.at(-1)!;
  assert.equal(sent.headers.authorization, `Bearer ${FAKE_OPENAI_KEY}`);
  // --json shows the exchange as sent: the key (masked) in the header it travels in, not in the body.
  const j = await chat(['--provider', 'openai', 'hello', '--json'], { env: openaiEnv() });
  assert.equal(j.code, 0, j.stderr);
  const shown = JSON.parse(j.stdout) as { request: { headers: { authorization: string }; body: object } };
  assert.equal(shown.request.headers.authorization, 'Bearer sk…op');
  assert.equal('authorization' in shown.request.body, false);
  assert.equal(j.stdout.includes(FAKE_OPENAI_KEY), false);
  const auth = await chat(['hello'], { env: { ...openaiEnv(), OPENAI_API_KEY: 'sk-wrong-000000000000' } });
  assert.equal(auth.code, 1);
  assert.match(auth.stderr, /openai: AUTH invalid_api_key/);
  assert.equal(auth.stderr.includes('sk-wrong-000000000000'), false);
});

test('interactive: one user id, context kept across lines, /exit stops, a failed line does not end the session', async () => {
  const n = openai.requests.length;
  const r = await chat(['--user', 'oInteractive01'], {
    env: openaiEnv(),
    input: '第一句\n\n第二句\n#http:500\n第三句\n/exit\n不会发送\n',
  });
  assert.equal(r.code, 1, r.stderr); // one of the lines failed
  assert.equal(
    r.stdout,
    `${[fakeOpenAIAnswer('第一句', 0), fakeOpenAIAnswer('第二句', 2), fakeOpenAIAnswer('第三句', 4)].join('\n')}\n`,
  );
  assert.match(r.stderr, /chatting with openai as oInteractive01/);
  assert.match(r.stderr, /HTTP_5XX/);
  assert.match(r.stderr, /1 of 4 messages failed/);
  assert.equal(openai.requests.length - n, 4);
  assert.equal(r.stdout.includes('不会发送'), false);
});

test('interactive --json prints one JSON object per line', async () => {
  const r = await chat(['--json'], { env: tulingEnv(), input: '一\n二\n' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.reply),
    [fakeTulingAnswer('一'), fakeTulingAnswer('二')],
  );
});

test('--help ends with examples', async () => {
  const r = await chat(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:\n(.|\n)*wxbot chat 你好/);
});
