import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Config } from '@ngrok/ngrok';
import * as ngrokSdk from '@ngrok/ngrok';
import { TunnelError } from '../../src/tunnel/errors.js';
import { createNgrokProvider, ngrokConfig, normalizeDomain, type NgrokSdk } from '../../src/tunnel/ngrok.js';

const require = createRequire(import.meta.url);
const dts = readFileSync(require.resolve('@ngrok/ngrok/index.d.ts'), 'utf8');

/** The field names of `interface Config` in the SDK's own declaration file. */
function sdkConfigKeys(): Set<string> {
  const body = /export interface Config \{([\s\S]*?)\n\}/.exec(dts)?.[1] ?? '';
  return new Set([...body.matchAll(/^\s{2}([a-zA-Z_]+)\?:/gm)].map((m) => m[1]!));
}

// Compile-time: the real module is an NgrokSdk (test/tsconfig type-checks this file).
const _sdkFits: NgrokSdk = ngrokSdk;
void _sdkFits;

test('maps every option onto a field the SDK declares in Config', () => {
  const config: Config = ngrokConfig(5050, {
    authtoken: 'tok_123',
    domain: 'https://My-Bot.ngrok-free.app/',
    serverAddr: '127.0.0.1:4443',
    host: '127.0.0.1',
    onStatus: () => undefined,
  });
  const keys = sdkConfigKeys();
  assert.ok(keys.size > 30, 'parsed the SDK Config interface');
  for (const k of Object.keys(config)) assert.ok(keys.has(k), `Config has no field ${k}`);
  assert.equal(config.addr, '127.0.0.1:5050');
  assert.equal(config.proto, 'http');
  assert.equal(config.authtoken, 'tok_123');
  assert.equal(config.domain, 'my-bot.ngrok-free.app');
  assert.equal(config.server_addr, '127.0.0.1:4443');
  assert.equal(typeof config.onStatusChange, 'function');
  assert.equal(config.authtoken_from_env, undefined, 'the token is passed explicitly so a missing one is explained');
});

test('forwards to loopback when the server listens on every interface, and brackets IPv6', () => {
  assert.equal(ngrokConfig(80, { authtoken: 't', host: '0.0.0.0' }).addr, '127.0.0.1:80');
  assert.equal(ngrokConfig(80, { authtoken: 't', host: '::' }).addr, '127.0.0.1:80');
  assert.equal(ngrokConfig(81, { authtoken: 't', host: '::1' }).addr, '[::1]:81');
  assert.equal(ngrokConfig(82, { authtoken: 't' }).domain, undefined);
});

test('the SDK exports forward() and Listener url/close, as the provider expects', () => {
  assert.equal(typeof ngrokSdk.forward, 'function');
  assert.equal(typeof ngrokSdk.Listener.prototype.url, 'function');
  assert.equal(typeof ngrokSdk.Listener.prototype.close, 'function');
});

test('onStatusChange reports connected and closed', () => {
  const seen: string[] = [];
  const config = ngrokConfig(1, { authtoken: 't', onStatus: (s) => seen.push(s) });
  config.onStatusChange!('connected');
  config.onStatusChange!('closed');
  assert.deepEqual(seen, ['connected', 'closed']);
});

test('normalizeDomain accepts what the dashboard shows and rejects junk', () => {
  assert.equal(normalizeDomain(' https://abc-1.ngrok-free.app/ '), 'abc-1.ngrok-free.app');
  assert.throws(
    () => normalizeDomain('not a domain'),
    (e: unknown) => e instanceof TunnelError && /not a domain/.test(e.message),
  );
});

test('missing authtoken is explained with where to get one, without loading the SDK', async () => {
  const provider = createNgrokProvider({ loadSdk: async () => assert.fail('SDK must not load') });
  await assert.rejects(provider.open(5050), (e: unknown) => {
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, 'AUTHTOKEN_MISSING');
    assert.match(e.hint, /dashboard\.ngrok\.com/);
    assert.match(e.hint, /NGROK_AUTHTOKEN/);
    assert.match(e.hint, /--public-url/);
    return true;
  });
});

test('an injected SDK gets the mapped config; the URL loses its trailing slash; close runs once', async () => {
  let got: Config | undefined;
  let closes = 0;
  const provider = createNgrokProvider({
    authtoken: 'tok',
    loadSdk: async () => ({
      forward: async (c) => {
        got = c;
        return { url: () => 'https://abc.ngrok-free.app/', close: async () => void closes++ };
      },
    }),
  });
  const t = await provider.open(6060, { host: '0.0.0.0' });
  assert.equal(t.url, 'https://abc.ngrok-free.app');
  assert.equal(got?.addr, '127.0.0.1:6060');
  await Promise.all([t.close(), t.close()]);
  assert.equal(closes, 1);
});

test('SDK errors come back as explained TunnelErrors with the token scrubbed', async () => {
  const provider = createNgrokProvider({
    authtoken: 'supersecrettoken_abcdef123456',
    loadSdk: async () => ({
      forward: async () => {
        const err = Object.assign(
          new Error(
            'failed to connect session: The authtoken you specified does not look like a proper ngrok authtoken.\nYour authtoken: supersecrettoken_abcdef123456\n\nerror_code: ERR_NGROK_105',
          ),
          { errorCode: 'ERR_NGROK_105' },
        );
        throw err;
      },
    }),
  });
  await assert.rejects(provider.open(1), (e: unknown) => {
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, 'AUTH_REJECTED');
    assert.equal(e.ngrokCode, 'ERR_NGROK_105');
    assert.doesNotMatch(e.message, /supersecrettoken/);
    assert.match(e.hint, /dashboard\.ngrok\.com/);
    return true;
  });
});

test('a tunnel that opens after the timeout is closed, not leaked', async () => {
  let closed = false;
  let resolveLate!: () => void;
  const late = new Promise<void>((r) => (resolveLate = r));
  const provider = createNgrokProvider({
    authtoken: 'tok',
    timeoutMs: 50,
    loadSdk: async () => ({
      forward: () =>
        new Promise((resolve) =>
          setTimeout(() => {
            resolve({
              url: () => 'https://late.ngrok.app',
              close: async () => {
                closed = true;
                resolveLate();
              },
            });
          }, 150),
        ),
    }),
  });
  await assert.rejects(provider.open(1), (e: unknown) => e instanceof TunnelError && e.code === 'TIMEOUT');
  await late;
  assert.equal(closed, true);
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

test('real SDK, no network: a silent ngrok server address fails within the timeout, with words', async (t) => {
  // Accepts TCP and never answers the TLS handshake: what a black-holed ngrok looks like.
  const sockets: Socket[] = [];
  const silent = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  const port = await listen(silent);
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const provider = createNgrokProvider({
    authtoken: 'test_token_not_real',
    serverAddr: `127.0.0.1:${port}`,
    timeoutMs: 1200,
  });
  const started = Date.now();
  await assert.rejects(provider.open(5050), (e: unknown) => {
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, 'TIMEOUT');
    assert.match(e.message, /no answer from ngrok after 1\.2 s/);
    assert.match(e.hint, /--public-url/);
    return true;
  });
  // Bounded: it gave up on its own timer, long before any OS-level TCP timeout.
  assert.ok(Date.now() - started < 10_000);
  assert.ok(sockets.length >= 1, 'the SDK really dialled the local address');
});

test('real SDK, no network: a closed ngrok server address is reported as unreachable', async () => {
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const provider = createNgrokProvider({
    authtoken: 'test_token_not_real',
    serverAddr: `127.0.0.1:${port}`,
    timeoutMs: 5000,
  });
  await assert.rejects(provider.open(5050), (e: unknown) => {
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, 'UNREACHABLE');
    assert.match(e.message, /cannot reach the ngrok service/);
    return true;
  });
});
