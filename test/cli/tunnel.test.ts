import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTunnelProxy, type TunnelProxy } from '../fakes/tunnel-proxy.js';
import { runWxbot, type Child } from './tunnel-child.js';

const TOKEN = 'TunnelTok3n0123456789abcdefABCDE';
const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx1234567890abcdef';
const SAFE = ['--token', TOKEN, '--aes-key', AES, '--app-id', APPID];
const SERVE = ['--port', '0', '--host', '127.0.0.1'];

let cwd: string;
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'wxbot-tunnel-'));
});
after(() => rm(cwd, { recursive: true, force: true }));

async function listen<S extends Server | HttpServer>(server: S): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts `wxbot tunnel` behind the fake public edge and points the edge at the port it picked. */
async function tunnelBehindProxy(
  t: { after: (fn: () => unknown) => void },
  args: string[],
): Promise<{ c: Child; proxy: TunnelProxy }> {
  const proxy = await startTunnelProxy();
  const c = runWxbot(['tunnel', '--public-url', proxy.url, ...args], { cwd });
  t.after(async () => {
    c.kill('SIGKILL');
    await proxy.close();
  });
  const m = await c.waitFor(/Public URL: \S+ → 127\.0\.0\.1:(\d+)/);
  proxy.setTarget(Number(m[1]));
  return { c, proxy };
}

test('the whole flow: server up, self-check through the public URL, the paste box, clean Ctrl-C', async (t) => {
  const { c, proxy } = await tunnelBehindProxy(t, [...SERVE, ...SAFE]);
  await c.waitFor(/wxbot: ready\./);
  await c.waitFor(/消息加解密方式/, 'stdout');
  const err = c.stderr();
  assert.match(
    err,
    /✓ URL verification \(signed GET[^\n]*HTTP 200[^\n]*a wrongly signed GET got HTTP 401, as it should/,
  );
  assert.match(err, /✓ signed text message, safe mode · HTTP 200 [^\n]*the bot answered: 你好！/);
  assert.doesNotMatch(err, /\r|\x1b\[K/, 'no spinner when stderr is not a terminal');
  // The checks went through the public edge, not straight to the local port.
  assert.ok(
    proxy.requests.some((r) => r.method === 'GET' && r.url.startsWith('/wechat?signature=') && r.status === 200),
  );
  assert.ok(proxy.requests.some((r) => r.method === 'POST' && /encrypt_type=aes/.test(r.url) && r.status === 200));

  const out = c.stdout();
  const row = (label: string) => new RegExp(`│ ${label.replace(/[()]/g, '\\$&')}  +(.+?)\\s*│`).exec(out)?.[1];
  assert.equal(row('服务器地址(URL)'), `${proxy.url}/wechat`);
  // Masked like every other output, each beside where to copy it from.
  assert.equal(row('令牌(Token)'), 'copy --token (Tu…DE)');
  assert.equal(row('消息加解密密钥(EncodingAESKey)'), 'copy --aes-key (ab…FG)');
  assert.match(out, /--show-secrets/);
  assert.ok(!out.includes(TOKEN) && !out.includes(AES) && !err.includes(TOKEN) && !err.includes(AES));
  assert.match(out, /消息加解密方式\s+安全模式/);
  assert.match(out, /IP白名单/);
  assert.match(out, new RegExp(APPID));
  // The console refuses other ports than 80/443: said, but not fatal for a local stand-in.
  assert.match(err, /! WeChat only calls port 80 \(http\) or 443 \(https\)/);

  c.kill('SIGINT');
  const { code } = await c.exited;
  assert.equal(code, 0);
  assert.match(c.stderr(), /SIGINT: closing the tunnel and the server/);
});

test('--json prints one JSON object on stdout and keeps the request log on stderr; --show-secrets shows the values there only', async (t) => {
  const { c, proxy } = await tunnelBehindProxy(t, [...SERVE, ...SAFE, '--json', '--show-secrets']);
  await c.waitFor(/wxbot: ready\./);
  await c.waitFor(/\}\n$/, 'stdout');
  const lines = c.stdout().trim().split('\n');
  assert.equal(lines.length, 1, `stdout: ${c.stdout()}`);
  const o = JSON.parse(lines[0]!);
  assert.equal(o.url, `${proxy.url}/wechat`);
  assert.equal(o.token, TOKEN);
  assert.equal(o.encodingAESKey, AES);
  assert.equal(o.secretsShown, true);
  assert.equal(o.mode, 'safe');
  assert.match(o.modeLabel, /安全模式/);
  assert.equal(o.appId, APPID);
  assert.equal(o.provider, 'public-url');
  assert.equal(o.check.ok, true);
  assert.deepEqual(
    o.check.steps.map((s: { name: string }) => s.name),
    ['verify', 'message'],
  );
  assert.ok(o.notes.some((n: string) => /IP白名单/.test(n)));
  // Request-log lines are written in 5 ms batches, so the POST line may trail the check's output.
  await c.waitFor(/POST 200 safe/);
  assert.doesNotMatch(c.stdout(), /POST 200/, 'the request log stays off stdout');
  assert.ok(!c.stderr().includes(TOKEN) && !c.stderr().includes(AES), 'the log and the progress stay masked');
  c.kill('SIGTERM');
  assert.equal((await c.exited).code, 0);
});

test('the box says where each masked value is set: .env or the environment', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-tunnel-env-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '.env'), `WECHAT_TOKEN=${TOKEN}\n`);
  const proxy = await startTunnelProxy();
  const c = runWxbot(['tunnel', '--public-url', proxy.url, ...SERVE], {
    cwd: dir,
    env: { WECHAT_AES_KEY: AES, WECHAT_APP_ID: APPID },
  });
  t.after(async () => {
    c.kill('SIGKILL');
    await proxy.close();
  });
  proxy.setTarget(Number((await c.waitFor(/Public URL: \S+ → 127\.0\.0\.1:(\d+)/))[1]));
  await c.waitFor(/消息加解密方式/, 'stdout');
  const out = c.stdout();
  assert.match(out, /令牌\(Token\)\s+copy WECHAT_TOKEN in \.env \(Tu…DE\)/);
  assert.match(out, /消息加解密密钥\(EncodingAESKey\)\s+copy WECHAT_AES_KEY \(ab…FG\) /);
  assert.ok(!out.includes(TOKEN) && !out.includes(AES));
  c.kill('SIGINT');
  assert.equal((await c.exited).code, 0);
});

test('--to exposes a server that is already running and checks it through the tunnel', async (t) => {
  const serve = runWxbot(['serve', ...SERVE, '--token', TOKEN, '--no-history'], { cwd });
  t.after(() => serve.kill('SIGKILL'));
  const port = Number((await serve.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\/wechat/))[1]);
  const { c } = await tunnelBehindProxy(t, ['--to', String(port), '--token', TOKEN, '--show-secrets']);
  await c.waitFor(/wxbot: ready\. Requests go straight to your server on port \d+/);
  assert.match(c.stderr(), /✓ signed text message, plain mode/);
  await c.waitFor(/消息加解密方式\s+明文模式/, 'stdout');
  // Asked for by name: the Token in full in the box, and a word that a pipe keeps it.
  assert.match(c.stdout(), new RegExp(`令牌\\(Token\\)\\s+${TOKEN} `));
  assert.match(
    c.stderr(),
    /--show-secrets: the Token and EncodingAESKey go in full to standard output, which is not a terminal/,
  );
  assert.ok(!c.stderr().includes(TOKEN), 'stderr stays masked');
  // The terminal closing (SIGHUP) closes the tunnel as Ctrl-C does.
  c.kill('SIGHUP');
  assert.equal((await c.exited).code, 0);
  assert.match(c.stderr(), /SIGHUP: closing the tunnel and the server/);
});

/** Runs a tunnel that must fail: its exit code and what it said. */
async function failing(
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number | null; err: string; ms: number }> {
  const started = Date.now();
  const c = runWxbot(['tunnel', ...args], { cwd, env });
  const { code } = await c.exited;
  return { code, err: c.stderr(), ms: Date.now() - started };
}

test('no ngrok auth token: says where to get one, exit 2', async () => {
  const r = await failing([...SERVE]);
  assert.equal(r.code, 2);
  assert.match(r.err, /ngrok needs an auth token/);
  assert.match(r.err, /https:\/\/dashboard\.ngrok\.com\/get-started\/your-authtoken/);
  assert.match(r.err, /NGROK_AUTHTOKEN/);
  assert.match(r.err, /--public-url/);
});

test('ngrok unreachable without network: gives up after --connect-timeout with words, exit 3, no hang', async (t) => {
  const sockets: Socket[] = [];
  const silent = createTcpServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  const port = await listen(silent);
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  // Beside it, one without --connect-timeout: the default (15 s) must still be waiting when the other gives up.
  const patient = runWxbot(['tunnel', ...SERVE, '--ngrok-server-addr', `127.0.0.1:${port}`], {
    cwd,
    env: { NGROK_AUTHTOKEN: 'not_a_real_token_123' },
  });
  t.after(() => patient.kill('SIGKILL'));
  const r = await failing([...SERVE, '--ngrok-server-addr', `127.0.0.1:${port}`, '--connect-timeout', '1.5'], {
    NGROK_AUTHTOKEN: 'not_a_real_token_123',
  });
  assert.equal(r.code, 3);
  assert.match(r.err, /no answer from ngrok after 1\.5 s/);
  assert.match(r.err, /--public-url/);
  assert.doesNotMatch(r.err, /not_a_real_token_123/);
  assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
  assert.doesNotMatch(patient.stderr(), /no answer from ngrok/, 'the default --connect-timeout is 15 s, not 15 ms');
  assert.equal(patient.child.exitCode, null, `still waiting for ngrok:\n${patient.stderr()}`);
});

test('ngrok service refusing connections: explained as unreachable, exit 3', async () => {
  const r = await failing([
    ...SERVE,
    '--ngrok-server-addr',
    `127.0.0.1:${await closedPort()}`,
    '--authtoken',
    'x_token_value',
  ]);
  assert.equal(r.code, 3);
  assert.match(r.err, /cannot reach the ngrok service/);
  assert.doesNotMatch(r.err, /connection lost/, 'no connection was ever made');
});

test('--to a port where nothing listens: local server not answering, exit 3 (network, like simulate)', async () => {
  const port = await closedPort();
  const r = await failing(['--to', String(port), '--token', TOKEN, '--public-url', 'https://example.invalid']);
  assert.equal(r.code, 3);
  assert.match(r.err, new RegExp(`nothing is answering on 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
  assert.match(r.err, /Start your server first/);
});

test('tunnel up but nothing behind it (ngrok ERR_NGROK_8012): explained, exit 1', async (t) => {
  const accepting = createTcpServer((s) => s.destroy());
  const port = await listen(accepting);
  t.after(() => accepting.close());
  const proxy = await startTunnelProxy(await closedPort());
  t.after(() => proxy.close());
  const r = await failing(['--to', String(port), '--token', TOKEN, '--public-url', proxy.url]);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    new RegExp(`the tunnel is up but the local server on port ${port} is not answering it \\(ngrok ERR_NGROK_8012\\)`),
  );
  assert.match(r.err, /WeChat's URL check would fail/);
});

test('a server that answers the GET check wrongly: the self-check says why, exit 1', async (t) => {
  // The Sina SAE trap from the blog post: the echostr with a trailing newline.
  const server = createHttpServer((req, res) => {
    const echostr = new URL(req.url ?? '/', 'http://x').searchParams.get('echostr') ?? '';
    res.end(`${echostr}\n`);
  });
  const port = await listen(server);
  t.after(() => server.close());
  const proxy = await startTunnelProxy(port);
  t.after(() => proxy.close());
  const r = await failing(['--to', String(port), '--token', TOKEN, '--public-url', proxy.url]);
  assert.equal(r.code, 1);
  assert.match(r.err, /✗ URL verification/);
  assert.match(r.err, /newline/);
  assert.match(r.err, /Token验证失败/);
});

test('a public URL nobody answers at: exit 3; a malformed one: exit 2', async () => {
  const dead = await failing([...SERVE, '--token', TOKEN, '--public-url', `http://127.0.0.1:${await closedPort()}`]);
  assert.equal(dead.code, 3);
  assert.match(dead.err, /cannot be reached from this machine/);
  const bad = await failing([...SERVE, '--public-url', 'ftp://example.com']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--public-url must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/example\.com"/);
});
