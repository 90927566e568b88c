// An https:// URL whose TLS handshake fails is a server that cannot be reached (exit 3), with a
// message saying what to do: use http:// for a plain-HTTP server, trust the certificate otherwise.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { requireProgram } from '../helpers/system.js';
import { wxbot } from './simulate-helpers.js';

const TOKEN = 'tlsTok3n';

async function listen(t: TestContext, server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

test('https:// to a plain-HTTP server: exit 3, "speaks plain http", the http:// URL to use', async (t) => {
  let requests = 0;
  const port = await listen(
    t,
    createHttpServer((_req, res) => {
      requests++;
      res.end('success');
    }),
  );
  const url = `https://127.0.0.1:${port}/wechat`;
  const advice = new RegExp(
    `the TLS handshake with 127\\.0\\.0\\.1:${port} failed \\(EPROTO\\): the server speaks plain http, not https .*: use http://127\\.0\\.0\\.1:${port}/wechat$`,
  );
  for (const args of [
    ['simulate', 'text', 'hi'],
    ['simulate', 'verify', '--no-probe'],
  ]) {
    const r = await wxbot([...args, '--url', url, '--token', TOKEN]);
    assert.equal(r.code, 3, r.stderr);
    const line = r.stderr.trim();
    assert.match(line, advice);
    // Neither a verdict on the server nor "is it running?": it answered, in plain http.
    assert.doesNotMatch(r.stderr + r.stdout, /problem|--retry|is the server running/);
  }
  const json = await wxbot(['simulate', 'text', 'hi', '--url', url, '--token', TOKEN, '--json']);
  assert.equal(json.code, 3);
  const result = JSON.parse(json.stdout) as { status: unknown; error: string };
  assert.equal(result.status, null);
  assert.match(result.error, advice);
  assert.equal(requests, 0, 'no HTTP request was ever understood by the server');
});

test(
  'https:// to a self-signed certificate: exit 3, "not trusted"; trusted through NODE_EXTRA_CA_CERTS, it works',
  requireProgram('openssl', { install: 'apt-get install openssl' }),
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wxbot-tls-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ]),
      { stdio: 'ignore' },
    );
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) =>
      res.end('success'),
    );
    const url = `https://localhost:${await listen(t, server)}/wechat`;
    const r = await wxbot(['simulate', 'text', 'hi', '--url', url, '--token', TOKEN]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      /TLS handshake with localhost:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT\): its certificate is not trusted .*NODE_EXTRA_CA_CERTS/,
    );
    const trusted = await wxbot(['simulate', 'text', 'hi', '--url', url, '--token', TOKEN], {
      env: { NODE_EXTRA_CA_CERTS: cert },
    });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.match(trusted.stdout, /HTTP 200/);
  },
);
