// End to end: `wxbot serve` (child process) with a chat provider pointing at the fake servers, driven
// by signed (and encrypted) pushes built with the protocol layer, exactly as WeChat would send them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  MessageCipher,
  buildMessageXml,
  computeMsgSignature,
  computeSignature,
  parseEnvelope,
  parseReply,
  type WechatMessage,
} from '../../src/protocol/index.js';
import { DEFAULT_FALLBACK_TEXT, tulingUserId } from '../../src/providers/index.js';
import {
  FAKE_OPENAI_KEY,
  FAKE_OPENAI_MODEL,
  fakeOpenAIAnswer,
  startFakeOpenAI,
  type FakeOpenAI,
} from '../fakes/openai.js';
import { FAKE_TULING_KEY, fakeTulingAnswer, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';

const BIN = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));
const TOKEN = 'chatServeToken123';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APP_ID = 'wx1234567890abcdef';
const USER = 'oChatServeUser_000000000001';

// Reports every resolution of undici on stderr (a module hook, passed through NODE_OPTIONS).
const HOOK = `data:text/javascript,${encodeURIComponent(`import { writeSync } from 'node:fs';
export async function resolve(s, c, next) { if (s === 'undici') writeSync(2, 'UNDICI_LOADED\\n'); return next(s, c); }`)}`;
const TRACE_UNDICI = `--import=data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(HOOK)});`)}`;

interface Serve {
  url: string;
  out(): string;
  err(): string;
  stop(): Promise<void>;
}

function serve(env: Record<string, string>): Promise<Serve> {
  const clean: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [k, v] of Object.entries(process.env))
    if (!/^(TULING_|OPENAI_|WXBOT_|WECHAT_|REDIS_URL|PORT$|NODE_OPTIONS)/.test(k)) clean[k] = v;
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--no-history'], {
    cwd: mkdtempSync(join(tmpdir(), 'wxbot-chat-serve-')),
    env: { ...clean, WECHAT_TOKEN: TOKEN, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${err}`));
    }, 15_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /URL\s+(http:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        out: () => out,
        err: () => err,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited before starting:\n${err}`));
    });
  });
}

let msgId = 7000000000000000000n;
function message(fields: Record<string, unknown>): WechatMessage {
  return {
    ToUserName: 'gh_123456789abc',
    FromUserName: USER,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgId: String(msgId++),
    ...fields,
  } as unknown as WechatMessage;
}

/** A signed push as WeChat sends it; `safe` encrypts it (and decrypts the reply envelope). */
async function push(
  url: string,
  m: WechatMessage,
  safe = false,
): Promise<{ reply?: ReturnType<typeof parseReply>; body: string; ms: number }> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const q = new URLSearchParams({
    signature: computeSignature(TOKEN, timestamp, nonce),
    timestamp,
    nonce,
    openid: USER,
  });
  let body = buildMessageXml(m);
  const cipher = new MessageCipher(AES_KEY, APP_ID);
  if (safe) {
    const encrypt = cipher.encrypt(body);
    q.set('encrypt_type', 'aes');
    q.set('msg_signature', computeMsgSignature(TOKEN, timestamp, nonce, encrypt));
    body = `<xml><ToUserName><![CDATA[${m.ToUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  }
  const started = Date.now();
  const res = await fetch(`${url}?${q}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const text = await res.text();
  const ms = Date.now() - started;
  assert.equal(res.status, 200, text);
  if (text === 'success' || text === '') return { body: text, ms };
  return { body: text, ms, reply: parseReply(safe ? cipher.decrypt(parseEnvelope(text).Encrypt) : text) };
}

const contentOf = (r: { reply?: ReturnType<typeof parseReply> }) =>
  r.reply?.MsgType === 'text' ? r.reply.Content : undefined;

let tuling: FakeTuling;
let openai: FakeOpenAI;
before(async () => {
  [tuling, openai] = await Promise.all([startFakeTuling(), startFakeOpenAI()]);
});
after(async () => {
  await Promise.all([tuling.close(), openai.close()]);
});

test('serve + Tuling: unmatched text and voice recognition reach the provider; its answer is the text reply', async (t) => {
  const s = await serve({
    TULING_KEY: FAKE_TULING_KEY,
    TULING_API_URL: tuling.url,
    WECHAT_AES_KEY: AES_KEY,
    WECHAT_APP_ID: APP_ID,
  });
  t.after(() => s.stop());
  assert.match(s.err(), /chat provider: tuling/);
  const n = tuling.requests.length;
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '讲个笑话' }))),
    fakeTulingAnswer('讲个笑话'),
  );
  const sent = tuling.requests[n]!.body;
  assert.equal(sent.perception.inputText.text, '讲个笑话');
  assert.equal(sent.userInfo.userId, tulingUserId(USER));
  assert.equal(sent.userInfo.apiKey, FAKE_TULING_KEY);
  // Safe mode: the same, inside the encrypted envelope both ways.
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '加密模式' }), true)),
    fakeTulingAnswer('加密模式'),
  );
  // Voice: the recognition text is what is sent.
  const voice = message({ MsgType: 'voice', MediaId: 'media1', Format: 'amr', Recognition: '北京天气怎么样' });
  assert.equal(contentOf(await push(s.url, voice)), fakeTulingAnswer('北京天气怎么样'));
  // A keyword of the demo bot is answered by the bot itself, not sent to Tuling.
  const before = tuling.requests.length;
  assert.match(contentOf(await push(s.url, message({ MsgType: 'text', Content: '帮助' }))) ?? '', /tuling/);
  assert.equal(tuling.requests.length, before);
  assert.equal(s.out().includes(FAKE_TULING_KEY) || s.err().includes(FAKE_TULING_KEY), false);
});

test('serve --slow-replies off + Tuling sleeping past the budget: the fallback text comes back before WeChat gives up', async (t) => {
  // With `off` a late answer is lost, so the provider keeps the 3.5 s budget (the retry window lifts it).
  const s = await serve({
    TULING_KEY: FAKE_TULING_KEY,
    TULING_API_URL: tuling.url,
    WXBOT_CHAT_FALLBACK: '机器人开小差了，请再说一次',
    WXBOT_SLOW_REPLIES: 'off',
  });
  t.after(() => s.stop());
  const r = await push(s.url, message({ MsgType: 'text', Content: '#slow:10000' }));
  assert.equal(contentOf(r), '机器人开小差了，请再说一次');
  // The default budget (3.5 s) is inside serve's deadline (4.5 s) and WeChat's 5 s.
  assert.ok(r.ms < 5000, `reply took ${r.ms} ms`);
  // And errors from the provider answer the fallback too, with the reason in the log.
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '#code:4003' }))),
    '机器人开小差了，请再说一次',
  );
  // Log lines are written in small batches: wait (bounded) until the second error line is there.
  for (const until = Date.now() + 5000; !/PROVIDER_ERROR 4003/.test(s.out() + s.err()) && Date.now() < until; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const log = s.out() + s.err();
  assert.match(log, /ERROR ChatProvider TIMEOUT: tuling did not answer within the 3500 ms budget/);
  assert.match(
    log,
    /ERROR ChatProvider PROVIDER_ERROR 4003: Tuling error 4003: 该apikey没有可用请求次数 \(quota exhausted for this apiKey\)/,
  );
  assert.equal(log.includes(FAKE_TULING_KEY), false);
});

test('serve + OpenAI-compatible: answers with per-user memory kept in the serve store', async (t) => {
  const s = await serve({
    OPENAI_API_KEY: FAKE_OPENAI_KEY,
    OPENAI_BASE_URL: openai.baseUrl,
    OPENAI_MODEL: FAKE_OPENAI_MODEL,
  });
  t.after(() => s.stop());
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '我叫小明' }))),
    fakeOpenAIAnswer('我叫小明', 0),
  );
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '我叫什么' }))),
    fakeOpenAIAnswer('我叫什么', 2),
  );
  const last = openai.requests.at(-1)!;
  assert.equal(last.headers.authorization, `Bearer ${FAKE_OPENAI_KEY}`);
  assert.deepEqual(
    last.body.messages.slice(1).map((m: { role: string }) => m.role),
    ['user', 'assistant', 'user'],
  );
});

test('serve without a chat provider echoes and never loads undici', async (t) => {
  const s = await serve({ NODE_OPTIONS: TRACE_UNDICI });
  t.after(() => s.stop());
  assert.equal(contentOf(await push(s.url, message({ MsgType: 'text', Content: '回声' }))), '回声');
  await s.stop();
  assert.equal(s.err().includes('UNDICI_LOADED'), false);
});

test('control: with a provider, the same trace does see undici', async (t) => {
  const s = await serve({ NODE_OPTIONS: TRACE_UNDICI, TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: tuling.url });
  t.after(() => s.stop());
  assert.equal(
    contentOf(await push(s.url, message({ MsgType: 'text', Content: '讲个故事' }))),
    fakeTulingAnswer('讲个故事'),
  );
  assert.ok(s.err().includes('UNDICI_LOADED'));
  assert.notEqual(DEFAULT_FALLBACK_TEXT, '');
});
