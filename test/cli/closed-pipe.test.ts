// A reader that goes away (`wxbot simulate --json | head -1`): one-shot commands end quietly with the
// status of a tool killed by SIGPIPE (141), no Node stack trace; serve's request log stops and the
// server keeps answering. Each case closes the read end of a real child process's stdout pipe.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { endOnClosedPipe } from '../../src/cli/errors.js';
import { push, replyText, textXml } from '../server/client.js';
import { BIN, cleanEnv, tempCwd } from './simulate-helpers.js';

const TOKEN = 'closedPipeTok3n';

function start(args: string[], input = ''): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tempCwd(), env: cleanEnv(), stdio: 'pipe' });
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  return child;
}

/** Runs `args`, closing its stdout after `afterBytes` bytes were read (0: before it writes anything). */
function closingStdout(args: string[], afterBytes = 0, input = ''): Promise<{ code: number | null; stderr: string }> {
  const child = start(args, input);
  let stderr = '';
  let read = 0;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (afterBytes === 0) child.stdout.destroy();
  else
    child.stdout.on('data', (d: Buffer) => {
      read += d.length;
      if (read >= afterBytes) child.stdout.destroy();
    });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

function quiet(r: { code: number | null; stderr: string }, what: string): void {
  assert.equal(r.code, 141, `${what}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /EPIPE|node:events|Unhandled|\n\s+at /, `${what}: ${r.stderr}`);
}

test('keys, sign, init --json: a stdout closed before they write ends them quietly (exit 141, no stack)', async () => {
  quiet(await closingStdout(['keys']), 'keys');
  quiet(await closingStdout(['keys', '--json']), 'keys --json');
  quiet(await closingStdout(['sign', '--token', TOKEN, '--echostr', 'x']), 'sign');
  quiet(await closingStdout(['init', '--json']), 'init --json');
});

test('simulate --json of a script: the reader leaves after the first line, the script stops quietly', async (t) => {
  // Answers the first message at once and the others late: the second line is written to a closed pipe.
  let seen = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('success'), seen++ === 0 ? 0 : 1000);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
  const r = await closingStdout(['simulate', '--json', '--url', url, '--token', TOKEN], 1, '你好\n帮助\n时间\n');
  quiet(r, 'simulate --json');
  assert.ok(seen >= 2, 'the script ran on after the first line');
  assert.ok(seen < 3, 'and stopped at the line it could not write');
});

test('serve: a closed stdout stops the request log only; requests are still answered', async (t) => {
  const child = start(['serve', '--port', '0', '--host', '127.0.0.1', '--token', TOKEN, '--no-history']);
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  const url = await new Promise<string>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /URL\s+(http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
  });
  child.stdout.destroy();
  const acct = { token: TOKEN };
  for (const text of ['你好', '帮助', '你好']) {
    const r = await push(url, textXml(text), 'plain', acct);
    assert.equal(r.status, 200);
    assert.ok(replyText(r), `a reply to ${text}`);
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(child.exitCode, null, `serve is still running:\n${stderr}`);
  assert.match(stderr, /request log stopped \(requests are still answered\): standard output was closed/);
  const code = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  assert.equal(await code, 0);
});

// EIO is what a closed terminal answers (the hang-up that comes with it ends the command); from a
// file or a disk it means output was lost, which must not end in a quiet exit 0.
test('EIO on stdout: ignored on a terminal (it hung up), fatal on anything else', () => {
  const eio = () => Object.assign(new Error('write EIO'), { code: 'EIO' });
  const stream = (isTTY: boolean) => {
    const s = Object.assign(new EventEmitter(), { isTTY });
    endOnClosedPipe(s as unknown as NodeJS.WriteStream);
    return s;
  };
  assert.doesNotThrow(() => stream(true).emit('error', eio()));
  assert.throws(() => stream(false).emit('error', eio()), /write EIO/);
});
