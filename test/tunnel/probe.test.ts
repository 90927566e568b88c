import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { TunnelError } from '../../src/tunnel/errors.js';
import { probeLocalPort } from '../../src/tunnel/probe.js';

test('passes when something listens, and explains a dead port', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await probeLocalPort(port, '0.0.0.0');
  await new Promise((r) => server.close(r));
  await assert.rejects(probeLocalPort(port), (e: unknown) => {
    assert.ok(e instanceof TunnelError);
    assert.equal(e.code, 'LOCAL_DOWN');
    assert.match(e.message, new RegExp(`nothing is answering on 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
    assert.match(e.hint, /Start your server first/);
    return true;
  });
});
