/**
 * Everything the CLI-convention tests run `wxbot` against, all local: a WeChat-speaking server that
 * answers well and one that answers 500 (simulate, tunnel --to), the fake WeChat API (menu), the fake
 * Tuling (chat), a real `wxbot serve` with a recorded exchange (history, replay), a closed port
 * (network failures), and one table of representative cases for every command.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKEN_ACCOUNT, startBrokenServer, type BrokenServer } from '../fakes/broken-server.js';
import { freePort } from '../fakes/redis.js';
import { FAKE_TULING_KEY, startFakeTuling, type FakeTuling } from '../fakes/tuling.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';
import { makePng } from '../fakes/wechat-media.js';
import { BIN, cleanEnv, runWxbot, type Child } from './tunnel-child.js';
import { runChild, type Run } from '../helpers/run-child.js';

export type { Run } from '../helpers/run-child.js';

/** Runs the real binary; async because the fakes live in this process. */
export function wxbot(args: string[], o: { cwd: string; env?: Record<string, string>; input?: string }): Promise<Run> {
  return runChild(process.execPath, [BIN, ...args], { cwd: o.cwd, env: cleanEnv(o.env), input: o.input });
}

export interface World {
  /** Empty: no .env, no history. */
  empty: string;
  /** menu.json, bad-menu.json, an existing bot project for init. */
  files: string;
  /** Where `wxbot serve` runs with a recorded exchange (.env holds its Token). */
  hist: string;
  good: BrokenServer;
  failing: BrokenServer;
  api: FakeWechatApi;
  tuling: FakeTuling;
  closed: number;
  serve: Child;
  stop(): Promise<void>;
}

const HIST_TOKEN = 'ConventionsTok3n0123456789abcdef';

export async function startWorld(): Promise<World> {
  const [good, failing, api, tuling, closed] = await Promise.all([
    startBrokenServer({ ...BROKEN_ACCOUNT }),
    startBrokenServer({ ...BROKEN_ACCOUNT }),
    startFakeWechatApi(),
    startFakeTuling(),
    freePort(),
  ]);
  failing.fault = 'status-500';
  const empty = mkdtempSync(join(tmpdir(), 'wxbot-conv-empty-'));
  const files = mkdtempSync(join(tmpdir(), 'wxbot-conv-files-'));
  writeFileSync(
    join(files, 'menu.json'),
    JSON.stringify({ button: [{ type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' }] }),
  );
  writeFileSync(
    join(files, 'bad-menu.json'),
    JSON.stringify({ button: [{ type: 'click', name: '一个非常非常长的名字' }] }),
  );
  writeFileSync(join(files, 'cat.png'), makePng());
  writeFileSync(join(files, 'bot.mjs'), '// an existing project: init must not overwrite it\n');
  writeFileSync(join(files, '.env'), 'WECHAT_TOKEN=existing\n');
  writeFileSync(join(files, 'pass.convo'), '> 你好\n< *\n');
  writeFileSync(join(files, 'fail.convo'), '> 你好\n< [news] 不会有\n');
  writeFileSync(join(files, 'broken.convo'), '> [teleport home]\n');
  const hist = mkdtempSync(join(tmpdir(), 'wxbot-conv-hist-'));
  writeFileSync(join(hist, '.env'), `WECHAT_TOKEN=${HIST_TOKEN}\n`);
  const serve = runWxbot(['serve', '--port', '0', '--host', '127.0.0.1'], { cwd: hist });
  const url = (await serve.waitFor(/http:\/\/127\.0\.0\.1:\d+\/wechat/))[0];
  const sent = await wxbot(['simulate', 'text', '你好', '--url', url], { cwd: hist });
  if (sent.code !== 0) throw new Error(`could not record an exchange: ${sent.stderr}`);
  // History is written behind the response.
  for (let i = 0; i < 100; i++) {
    const h = await wxbot(['history', '--json'], { cwd: hist });
    if (h.stdout.trim()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    empty,
    files,
    hist,
    good,
    failing,
    api,
    tuling,
    closed,
    serve,
    async stop() {
      serve.kill('SIGKILL');
      await serve.exited;
      await Promise.all([good.close(), failing.close(), api.stop(), tuling.close()]);
      for (const d of [empty, files, hist]) rmSync(d, { recursive: true, force: true });
    },
  };
}

export interface Case {
  /** The command path, e.g. "menu create". */
  cmd: string;
  what: string;
  args: string[];
  code: 0 | 1 | 2 | 3;
  cwd?: 'empty' | 'files' | 'hist';
  env?: Record<string, string>;
  input?: string;
  /** With --json: one JSON document (one line), or NDJSON (any number of lines). */
  json?: 'one' | 'lines';
  /** A failed check still prints its result on stdout (simulate and replay with problems). */
  resultOnFailure?: boolean;
}

/** Representative cases of every command: each documented exit code the command can give. */
export function cases(w: World): Case[] {
  const sim = ['--token', BROKEN_ACCOUNT.token, '--mode', 'plain'];
  const menuEnv = { WECHAT_APP_ID: w.api.appId, WECHAT_APP_SECRET: w.api.appSecret, WECHAT_API_BASE: w.api.url };
  const tulingEnv = { TULING_KEY: FAKE_TULING_KEY, TULING_API_URL: w.tuling.url };
  const down = `http://127.0.0.1:${w.closed}`;
  const newDir = () => join(mkdtempSync(join(tmpdir(), 'wxbot-conv-init-')), 'bot');
  return [
    { cmd: 'serve', what: 'an invalid --port', args: ['serve', '--port', 'abc'], code: 2 },
    {
      cmd: 'serve',
      what: 'an invalid EncodingAESKey',
      args: ['serve', '--port', '0', '--aes-key', 'short', '--app-id', 'wx1234567890abcdef'],
      code: 2,
    },
    {
      cmd: 'serve',
      what: 'Redis not reachable',
      args: ['serve', '--port', '0', '--host', '127.0.0.1', '--redis', `redis://127.0.0.1:${w.closed}`, '--no-history'],
      code: 3,
    },
    { cmd: 'serve', what: 'an unknown option', args: ['serve', '--bogus'], code: 2 },
    {
      cmd: 'serve',
      what: 'late answers through the customer-service API without the account',
      args: ['serve', '--port', '0', '--slow-replies', 'custom-service'],
      code: 2,
    },

    {
      cmd: 'simulate text',
      what: 'WeChat would accept the reply',
      args: ['simulate', 'text', '你好', '--url', w.good.url, ...sim],
      code: 0,
    },
    {
      cmd: 'simulate text',
      what: '--json, accepted',
      args: ['simulate', 'text', '你好', '--url', w.good.url, ...sim, '--json'],
      code: 0,
      json: 'one',
    },
    {
      cmd: 'simulate text',
      what: 'problems found (HTTP 500)',
      args: ['simulate', 'text', '你好', '--url', w.failing.url, ...sim],
      code: 1,
      resultOnFailure: true,
    },
    {
      cmd: 'simulate text',
      what: '--json, problems found',
      args: ['simulate', 'text', '你好', '--url', w.failing.url, ...sim, '--json'],
      code: 1,
      json: 'one',
    },
    {
      cmd: 'simulate text',
      what: 'no Token anywhere',
      args: ['simulate', 'text', '你好', '--url', w.good.url],
      code: 2,
    },
    {
      cmd: 'simulate text',
      what: '--json, no Token anywhere',
      args: ['simulate', 'text', '你好', '--url', w.good.url, '--json'],
      code: 2,
      json: 'one',
    },
    {
      cmd: 'simulate text',
      what: 'server not running',
      args: ['simulate', 'text', '你好', '--url', down, ...sim],
      code: 3,
    },
    {
      cmd: 'simulate text',
      what: '--json, server not running',
      args: ['simulate', 'text', '你好', '--url', down, ...sim, '--json'],
      code: 3,
      json: 'one',
    },
    {
      cmd: 'test',
      what: 'every conversation passes',
      args: ['test', 'pass.convo', '--url', w.good.url, ...sim],
      cwd: 'files',
      code: 0,
    },
    {
      cmd: 'test',
      what: '--json, every conversation passes',
      args: ['test', 'pass.convo', '--url', w.good.url, ...sim, '--json'],
      cwd: 'files',
      code: 0,
      json: 'one',
    },
    {
      cmd: 'test',
      what: 'a turn fails',
      args: ['test', 'fail.convo', '--url', w.good.url, ...sim],
      cwd: 'files',
      code: 1,
      resultOnFailure: true,
    },
    {
      cmd: 'test',
      what: '--json, a turn fails',
      args: ['test', 'fail.convo', '--url', w.good.url, ...sim, '--json'],
      cwd: 'files',
      code: 1,
      json: 'one',
    },
    {
      cmd: 'test',
      what: 'a bad line',
      args: ['test', 'broken.convo', '--url', w.good.url, ...sim],
      cwd: 'files',
      code: 2,
    },
    {
      cmd: 'test',
      what: '--json, a bad line',
      args: ['test', 'broken.convo', '--url', w.good.url, ...sim, '--json'],
      cwd: 'files',
      code: 2,
      json: 'one',
    },
    {
      cmd: 'test',
      what: 'server not running',
      args: ['test', 'pass.convo', '--url', down, ...sim],
      cwd: 'files',
      code: 3,
    },
    {
      cmd: 'test',
      what: '--json, server not running',
      args: ['test', 'pass.convo', '--url', down, ...sim, '--json'],
      cwd: 'files',
      code: 3,
      json: 'one',
    },
    { cmd: 'simulate', what: 'an unknown kind', args: ['simulate', 'txt', 'hi', ...sim], code: 2 },
    { cmd: 'simulate', what: 'an invalid --mode', args: ['simulate', 'text', 'hi', '--mode', 'secret'], code: 2 },
    {
      cmd: 'simulate',
      what: '--json chat from stdin (NDJSON)',
      args: ['simulate', '--url', w.good.url, ...sim, '--json'],
      input: '你好\n/event subscribe\n',
      code: 0,
      json: 'lines',
    },
    {
      cmd: 'simulate verify',
      what: '--json, the URL check passes',
      args: ['simulate', 'verify', '--url', w.good.url, '--token', BROKEN_ACCOUNT.token, '--json'],
      code: 0,
      json: 'one',
    },
    {
      cmd: 'simulate verify',
      what: '--json, the URL check fails',
      args: ['simulate', 'verify', '--url', w.failing.url, '--token', BROKEN_ACCOUNT.token, '--json'],
      code: 1,
      json: 'one',
    },
    {
      cmd: 'simulate event subscribe',
      what: 'an unknown option',
      args: ['simulate', 'event', 'subscribe', '--bogus', '--json'],
      code: 2,
      json: 'one',
    },

    { cmd: 'sign', what: 'the signature', args: ['sign', '--token', 'T', '--timestamp', '1', '--nonce', '2'], code: 0 },
    { cmd: 'sign', what: '--json', args: ['sign', '--token', 'T', '--json'], code: 0, json: 'one' },
    { cmd: 'sign', what: 'no Token', args: ['sign'], code: 2 },
    { cmd: 'sign', what: '--json, no Token', args: ['sign', '--json'], code: 2, json: 'one' },

    { cmd: 'chat', what: 'an answer', args: ['chat', '你好'], env: tulingEnv, code: 0 },
    { cmd: 'chat', what: '--json, an answer', args: ['chat', '--json', '你好'], env: tulingEnv, code: 0, json: 'one' },
    {
      cmd: 'chat',
      what: '--json, lines from stdin (NDJSON)',
      args: ['chat', '--json'],
      input: '你好\n北京天气\n',
      env: tulingEnv,
      code: 0,
      json: 'lines',
    },
    {
      cmd: 'chat',
      what: 'the provider refuses (wrong key)',
      args: ['chat', '你好'],
      env: { ...tulingEnv, TULING_KEY: 'ffffffffffffffffffffffffffffffff' },
      code: 1,
    },
    {
      cmd: 'chat',
      what: '--json, the provider refuses',
      args: ['chat', '--json', '你好'],
      env: { ...tulingEnv, TULING_KEY: 'ffffffffffffffffffffffffffffffff' },
      code: 1,
      json: 'one',
    },
    { cmd: 'chat', what: 'no provider configured', args: ['chat', '你好'], code: 2 },
    { cmd: 'chat', what: '--json, no provider configured', args: ['chat', '--json', '你好'], code: 2, json: 'one' },
    {
      cmd: 'chat',
      what: 'provider not reachable',
      args: ['chat', '你好'],
      env: { ...tulingEnv, TULING_API_URL: `${down}/openapi/api/v2` },
      code: 3,
    },
    {
      cmd: 'chat',
      what: '--json, provider not reachable',
      args: ['chat', '--json', '你好'],
      env: { ...tulingEnv, TULING_API_URL: `${down}/openapi/api/v2` },
      code: 3,
      json: 'one',
    },

    {
      cmd: 'tunnel',
      what: 'no ngrok auth token',
      args: ['tunnel', '--port', '0', '--host', '127.0.0.1', '--no-history'],
      code: 2,
    },
    {
      cmd: 'tunnel',
      what: '--json, no ngrok auth token',
      args: ['tunnel', '--port', '0', '--host', '127.0.0.1', '--no-history', '--json'],
      code: 2,
      json: 'one',
    },
    {
      cmd: 'tunnel',
      what: 'a --public-url that is not http(s)',
      args: ['tunnel', '--to', '1', '--token', 'abc', '--public-url', 'ftp://x'],
      code: 2,
    },
    {
      cmd: 'tunnel',
      what: '--to a port where nothing listens',
      args: ['tunnel', '--to', String(w.closed), '--token', 'abc', '--public-url', 'https://example.invalid'],
      code: 3,
    },
    {
      cmd: 'tunnel',
      what: 'the public URL does not answer',
      args: ['tunnel', '--to', String(new URL(w.good.url).port), '--token', BROKEN_ACCOUNT.token, '--public-url', down],
      code: 3,
    },
    {
      cmd: 'tunnel',
      what: 'the self-check fails (the server answers 500)',
      args: [
        'tunnel',
        '--to',
        String(new URL(w.failing.url).port),
        '--token',
        BROKEN_ACCOUNT.token,
        '--public-url',
        new URL(w.failing.url).origin,
      ],
      code: 1,
    },
    {
      cmd: 'tunnel',
      what: '--json, the self-check fails',
      args: [
        'tunnel',
        '--to',
        String(new URL(w.failing.url).port),
        '--token',
        BROKEN_ACCOUNT.token,
        '--public-url',
        new URL(w.failing.url).origin,
        '--json',
      ],
      code: 1,
      json: 'one',
    },

    { cmd: 'history', what: 'the list', args: ['history'], cwd: 'hist', code: 0 },
    { cmd: 'history', what: '--json (NDJSON)', args: ['history', '--json'], cwd: 'hist', code: 0, json: 'lines' },
    { cmd: 'history', what: '--json, one entry', args: ['history', '1', '--json'], cwd: 'hist', code: 0, json: 'one' },
    { cmd: 'history', what: 'an unknown id', args: ['history', '999'], cwd: 'hist', code: 1 },
    {
      cmd: 'history',
      what: '--json, an unknown id',
      args: ['history', '999', '--json'],
      cwd: 'hist',
      code: 1,
      json: 'one',
    },
    { cmd: 'history', what: 'an invalid --limit', args: ['history', '--limit', 'x'], cwd: 'hist', code: 2 },

    { cmd: 'replay', what: 'the same reply again', args: ['replay'], cwd: 'hist', code: 0 },
    { cmd: 'replay', what: '--json', args: ['replay', '1', '--json'], cwd: 'hist', code: 0, json: 'one' },
    { cmd: 'replay', what: 'nothing recorded', args: ['replay'], code: 1 },
    { cmd: 'replay', what: '--json, nothing recorded', args: ['replay', '--json'], code: 1, json: 'one' },
    { cmd: 'replay', what: 'no Token', args: ['replay', '--file', join(w.hist, '.wxbot', 'history.ndjson')], code: 2 },
    {
      cmd: 'replay',
      what: 'server not running',
      args: ['replay', '1', '--url', `${down}/wechat`],
      cwd: 'hist',
      code: 3,
    },
    {
      cmd: 'replay',
      what: '--json, server not running',
      args: ['replay', '1', '--url', `${down}/wechat`, '--json'],
      cwd: 'hist',
      code: 3,
      json: 'one',
    },

    { cmd: 'init', what: 'a new project', args: ['init', newDir()], code: 0 },
    { cmd: 'init', what: '--json, a new project', args: ['init', newDir(), '--json'], code: 0, json: 'one' },
    { cmd: 'init', what: 'files exist already', args: ['init', '.'], cwd: 'files', code: 1 },
    {
      cmd: 'init',
      what: '--json, files exist already',
      args: ['init', '.', '--json'],
      cwd: 'files',
      code: 1,
      json: 'one',
    },
    { cmd: 'init', what: 'an invalid --app-id', args: ['init', newDir(), '--app-id', 'nope'], code: 2 },

    { cmd: 'ui', what: 'no Token and no wxbot serve here', args: ['ui', '--ui-port', '0'], code: 2 },
    { cmd: 'ui', what: 'an invalid --ui-port', args: ['ui', '--token', 'abc123', '--ui-port', 'abc'], code: 2 },
    { cmd: 'keys', what: '.env lines', args: ['keys'], code: 0 },
    { cmd: 'keys', what: '--json', args: ['keys', '--json'], code: 0, json: 'one' },
    { cmd: 'keys', what: 'an unexpected argument', args: ['keys', 'extra'], code: 2 },

    {
      cmd: 'menu create',
      what: 'a valid menu',
      args: ['menu', 'create', 'menu.json'],
      cwd: 'files',
      env: menuEnv,
      code: 0,
    },
    {
      cmd: 'menu get',
      what: '--json',
      args: ['menu', 'get', '--json'],
      cwd: 'files',
      env: menuEnv,
      code: 0,
      json: 'one',
    },
    {
      cmd: 'menu create',
      what: '--json --dry-run',
      args: ['menu', 'create', 'menu.json', '--dry-run', '--json'],
      cwd: 'files',
      env: menuEnv,
      code: 0,
      json: 'one',
    },
    {
      cmd: 'menu create',
      what: 'an invalid menu file',
      args: ['menu', 'create', 'bad-menu.json'],
      cwd: 'files',
      env: menuEnv,
      code: 1,
    },
    {
      cmd: 'menu create',
      what: '--json, an invalid menu file',
      args: ['menu', 'create', 'bad-menu.json', '--json'],
      cwd: 'files',
      env: menuEnv,
      code: 1,
      json: 'one',
    },
    {
      cmd: 'menu delete',
      what: 'WeChat refuses (wrong AppSecret)',
      args: ['menu', 'delete'],
      env: { ...menuEnv, WECHAT_APP_SECRET: 'wrong-secret' },
      code: 1,
    },
    {
      cmd: 'menu delete',
      what: '--json, WeChat refuses',
      args: ['menu', 'delete', '--json'],
      env: { ...menuEnv, WECHAT_APP_SECRET: 'wrong-secret' },
      code: 1,
      json: 'one',
    },
    { cmd: 'menu get', what: 'no account configured', args: ['menu', 'get'], code: 2 },
    { cmd: 'menu get', what: '--json, no account configured', args: ['menu', 'get', '--json'], code: 2, json: 'one' },
    {
      cmd: 'menu get',
      what: 'the API not reachable',
      args: ['menu', 'get', '--api-base', down],
      env: menuEnv,
      code: 3,
    },
    {
      cmd: 'menu get',
      what: '--json, the API not reachable',
      args: ['menu', 'get', '--api-base', down, '--json'],
      env: menuEnv,
      code: 3,
      json: 'one',
    },
    { cmd: 'menu', what: 'no subcommand', args: ['menu'], code: 2 },

    {
      cmd: 'media upload',
      what: 'a picture',
      args: ['media', 'upload', 'cat.png'],
      cwd: 'files',
      env: menuEnv,
      code: 0,
    },
    {
      cmd: 'media upload',
      what: '--json, a picture',
      args: ['media', 'upload', 'cat.png', '--json'],
      cwd: 'files',
      env: menuEnv,
      code: 0,
      json: 'one',
    },
    {
      cmd: 'media upload',
      what: 'a PNG as a thumb (refused before any request)',
      args: ['media', 'upload', 'cat.png', '--type', 'thumb'],
      cwd: 'files',
      env: menuEnv,
      code: 1,
    },
    { cmd: 'media list', what: 'no account configured', args: ['media', 'list'], code: 2 },
    {
      cmd: 'media upload',
      what: '--json, the API not reachable',
      args: ['media', 'upload', 'cat.png', '--api-base', down, '--json'],
      cwd: 'files',
      env: menuEnv,
      code: 3,
      json: 'one',
    },
    {
      cmd: 'qrcode',
      what: '--json, a scene',
      args: ['qrcode', '--scene', '42', '--json'],
      env: menuEnv,
      code: 0,
      json: 'one',
    },
    { cmd: 'qrcode', what: 'an unreadable --expire', args: ['qrcode', '--scene', '1', '--expire', 'soon'], code: 2 },
    {
      cmd: 'qrcode',
      what: 'WeChat refuses (wrong AppSecret)',
      args: ['qrcode', '--scene', '42'],
      env: { ...menuEnv, WECHAT_APP_SECRET: 'wrong-secret' },
      code: 1,
    },
    {
      cmd: 'qrcode',
      what: 'the API not reachable',
      args: ['qrcode', '--scene', '42', '--api-base', down],
      env: menuEnv,
      code: 3,
    },
    { cmd: 'template list', what: '--json', args: ['template', 'list', '--json'], env: menuEnv, code: 0, json: 'one' },
    {
      cmd: 'template send',
      what: 'an unknown template',
      args: ['template', 'send', '--to', 'oUserOpenId0000000000000000', '--template', 'nope', '--data', 'a=b'],
      env: menuEnv,
      code: 1,
    },
    { cmd: 'template send', what: 'no --to', args: ['template', 'send', '--template', 'x'], code: 2 },
    {
      cmd: 'template list',
      what: 'the API not reachable',
      args: ['template', 'list', '--api-base', down],
      env: menuEnv,
      code: 3,
    },

    { cmd: 'completion', what: 'a bash script', args: ['completion', 'bash'], code: 0 },
    { cmd: 'completion', what: 'an unknown shell', args: ['completion', 'tcsh'], code: 2 },

    { cmd: '', what: 'an unknown command', args: ['nosuch'], code: 2 },
    { cmd: '', what: '--version', args: ['--version'], code: 0 },
  ];
}

/** Runs cases a few at a time (2 cores are shared), in table order. */
export async function runAll<T>(items: T[], fn: (item: T) => Promise<void>, width = 4): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export function cwdOf(w: World, c: Case): string {
  return c.cwd === 'hist' ? w.hist : c.cwd === 'files' ? w.files : w.empty;
}
