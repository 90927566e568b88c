// The nginx files of docs/deploy/nginx.md, run by a real nginx in front of real `wxbot serve` processes: only the
// ports, certificate paths and upstream addresses are rewritten (to free ports and a self-signed
// certificate made here). Signed pushes go through HTTPS to wxbot and back; the HTTP server redirects;
// /healthz is reachable from loopback; a body over client_max_body_size stops at nginx; with two
// replicas behind the upstream, one can die and pushes are still answered, retries with the first reply.
// nginx comes from Debian (.ci/run installs it); without it (outside CI) the tests are skipped.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, requireRedis, startTestRedis, waitForPort, type TestRedis } from '../fakes/redis.js';
import { findProgram, requireProgram } from '../helpers/system.js';
import { startReplica, type Replica } from '../scale/helpers.js';
import { buildPush, decode, http, replyText, textXml, type Account, type HttpResult } from '../server/client.js';
import { blockAfter } from './extract.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NGINX = findProgram('nginx');
const skip = requireProgram('nginx', { install: 'apt-get install nginx' }).skip || requireRedis().skip;

const ACCT: Account = {
  token: 'nginxtoken42',
  aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx00aa0000bb0000cc',
};

interface Nginx {
  dir: string;
  stop(): Promise<void>;
}

/** Runs `servers` (the documented blocks, rewritten) in an nginx of its own under a scratch prefix. */
async function startNginx(servers: string, dir: string): Promise<Nginx> {
  assert.ok(NGINX, 'nginx is not installed: apt-get install nginx (.ci/run does)');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
      servers,
      '}',
    ].join('\n'),
  );
  const test = spawnSync(NGINX!, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
  assert.equal(test.status, 0, `nginx -t: ${test.stderr}`);
  const child: ChildProcess = spawn(NGINX!, ['-p', dir, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  // Listening once the first port answers (or failed, if nginx exited).
  const port = Number(/listen 127\.0\.0\.1:(\d+)/.exec(servers)![1]);
  const exited = new Promise<never>((_, reject) => child.once('exit', () => reject(new Error(`nginx exited: ${err}`))));
  exited.catch(() => {});
  await Promise.race([waitForPort(port, '127.0.0.1', 10_000), exited]);
  return {
    dir,
    // SIGQUIT: nginx's graceful shutdown.
    stop: () =>
      child.exitCode === null
        ? new Promise<void>((r) => {
            child.once('exit', () => r());
            child.kill('SIGQUIT');
          })
        : Promise.resolve(),
  };
}

function selfSigned(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'fullchain.pem');
  const key = join(dir, 'privkey.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=bot.example.com',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** An HTTPS request to nginx as WeChat would make it (Host: bot.example.com), certificate not checked (self-signed). */
function https(
  port: number,
  path: string,
  init: { method?: string; body?: string | Buffer } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        servername: 'bot.example.com',
        headers: { host: 'bot.example.com' },
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function pushThrough(port: number, content: string, msgId?: string): Promise<string | undefined> {
  const p = buildPush('/wechat', textXml(content, msgId ? { msgId } : {}), 'safe', ACCT);
  const r = await https(port, p.url, { method: 'POST', body: p.body });
  assert.equal(r.status, 200, r.body);
  return replyText(decode(r, 'safe', ACCT));
}

function botFile(dir: string): string {
  const file = join(dir, 'bot.mjs');
  writeFileSync(
    file,
    `import { createBot } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
      `let n = 0;\nexport default createBot().text(/^ping (.*)$/, (ctx) => \`pong \${ctx.match[1]} #\${++n} from \${process.pid}\`);\n`,
  );
  return file;
}

describe('documented nginx files, run by nginx', { skip }, () => {
  let redis: TestRedis;
  let dir: string;
  const env = { WECHAT_TOKEN: ACCT.token, WECHAT_AES_KEY: ACCT.aesKey!, WECHAT_APP_ID: ACCT.appId! };
  before(async () => {
    redis = await startTestRedis(8);
    dir = mkdtempSync(join(tmpdir(), 'wxbot-nginx-'));
    // nginx workers may run as another user: they must reach the temp paths.
    chmodSync(dir, 0o777);
  });
  after(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('"Deploying": HTTPS to wxbot, HTTP redirected, /healthz from loopback, a 2 MiB body stopped at nginx', async () => {
    const app = await startReplica([botFile(dir), '--no-history', '--log-format', 'json'], env);
    const { cert, key } = selfSigned(dir);
    const [p80, p443] = [await freePort(), await freePort()];
    const upstream = new URL(app.url).port;
    const conf = blockAfter('## nginx: HTTPS on 443, the real client IP\n', 'nginx')
      .replace('listen 80;', `listen 127.0.0.1:${p80};`)
      .replace('listen 443 ssl http2;', `listen 127.0.0.1:${p443} ssl http2;`)
      .replace('/etc/letsencrypt/live/bot.example.com/fullchain.pem', cert)
      .replace('/etc/letsencrypt/live/bot.example.com/privkey.pem', key)
      .replace('/var/www/certbot', dir)
      .replaceAll('127.0.0.1:5051', `127.0.0.1:${upstream}`);
    const nginx = await startNginx(conf, dir);
    try {
      assert.match((await pushThrough(p443, 'ping a'))!, /^pong a #1/);
      const redirect = await http(`http://127.0.0.1:${p80}/wechat?x=1`, { headers: { host: 'bot.example.com' } });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, 'https://bot.example.com/wechat?x=1');
      const health = await https(p443, '/healthz');
      assert.equal(health.status, 200);
      assert.equal(health.body, 'ok\n');
      const big = await https(p443, '/wechat?signature=x', { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 97) });
      assert.equal(big.status, 413);
      assert.ok(
        readFileSync(join(dir, 'access.log'), 'utf8').includes('POST /wechat?signature='),
        'nginx logged the pushes',
      );
    } finally {
      await nginx.stop();
      await app.stop();
    }
  });

  test('"nginx in front of the replicas": either replica answers, retries get the first reply, one replica down changes nothing', async () => {
    const args = [botFile(dir), '--no-history', '--redis', redis.url];
    const replicas: Replica[] = [await startReplica(args, env), await startReplica(args, env)];
    const { cert, key } = selfSigned(dir);
    const p443 = await freePort();
    const [a, b] = replicas.map((r) => new URL(r.url).port);
    const conf = blockAfter('## nginx in front of the replicas\n', 'nginx')
      .replace('127.0.0.1:5051', `127.0.0.1:${a}`)
      .replace('127.0.0.1:5052', `127.0.0.1:${b}`)
      .replace(
        'listen 443 ssl;',
        `listen 127.0.0.1:${p443} ssl;\n    ssl_certificate ${cert};\n    ssl_certificate_key ${key};`,
      );
    const nginx = await startNginx(conf, dir);
    try {
      const pids = new Set<string>();
      for (let i = 0; i < 6; i++) pids.add(/from (\d+)$/.exec((await pushThrough(p443, `ping ${i}`))!)![1]!);
      assert.equal(pids.size, 2, 'the upstream spreads pushes over both replicas');
      // A retry (same MsgId), whichever replica gets it, is answered with the first delivery's reply.
      const id = String(7_100_000_000_000_000_000n + BigInt(Date.now()));
      const first = await pushThrough(p443, 'ping retry', id);
      for (let i = 0; i < 3; i++) assert.equal(await pushThrough(p443, 'ping retry', id), first);
      await replicas[0]!.stop();
      for (let i = 0; i < 4; i++) assert.match((await pushThrough(p443, `ping after ${i}`))!, /^pong after/);
    } finally {
      await nginx.stop();
      for (const r of replicas) await r.stop();
    }
  });
});
