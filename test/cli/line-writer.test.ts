import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineWriter } from '../../src/cli/line-writer.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('standard output redirected to a file gets every line, in order, written synchronously', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-lw-'));
  try {
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    const script = `
      import { fstatSync } from 'node:fs';
      import { LineWriter } from './src/cli/line-writer.ts';
      const w = LineWriter.forStdout(process.stdout);
      for (let i = 0; i < 20000; i++) w.line('line ' + i + ' 你好');
      w.flush();
      // Synchronous: in the file before flush() returns.
      if (fstatSync(1).size === 0) process.exit(3);
      await w.close();
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    assert.equal(
      r.status,
      0,
      r.status === 3 ? 'the lines were not in the file when flush() returned' : r.stderr.toString(),
    );
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 20001);
    assert.equal(lines[0], 'line 0 你好');
    assert.equal(lines[19999], 'line 19999 你好');
    assert.equal(lines[20000], '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a log that fails to write stops the log, reports once, and throws nothing', async () => {
  const errors: Error[] = [];
  let writes = 0;
  const broken = new Writable({
    write(_chunk, _enc, done) {
      writes++;
      done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const w = new LineWriter(broken, (e) => errors.push(e));
  w.line('first');
  w.flush();
  await new Promise((r) => setImmediate(r));
  w.line('second');
  w.flush();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /EPIPE/);
  assert.equal(writes, 1, 'nothing more is written after the failure');
});

test('standard output piped to a reader that lags keeps every line, in order, and the process waits for them at close', async () => {
  // 40 000 lines (~0.7 MB) into a pipe that holds 64 KB while the reader does not read: the writes
  // wait in process.stdout, nothing is lost and the log does not stop (a second stream on fd 1
  // failed here with EAGAIN once the pipe was full, and the log stopped for good).
  const script = `
    import { LineWriter } from './src/cli/line-writer.ts';
    const w = LineWriter.forStdout(process.stdout, (e) => process.stderr.write('stopped: ' + e.message + '\\n'));
    for (let i = 0; i < 20000; i++) w.line('line ' + i + ' 你好');
    w.flush();
    process.stderr.write('flushed\\n');
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 20000; i < 40000; i++) w.line('line ' + i + ' 你好');
    await w.close(10000);
    process.stderr.write('closed\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  // The reader starts reading only after the writer has filled the pipe and gone on.
  child.stdout.pause();
  const flushed = new Promise<void>((resolve) => {
    const check = () => err.includes('flushed\n') && resolve();
    child.stderr.on('data', check);
    child.once('close', () => resolve());
  });
  await flushed;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(child.exitCode, null, `the writer exited before its lines were read: ${err}`);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdout.resume();
  const code = await new Promise((r) => child.once('close', r));
  assert.equal(code, 0, err);
  assert.equal(err, 'flushed\nclosed\n');
  const lines = Buffer.concat(chunks).toString('utf8').split('\n');
  assert.equal(lines.length, 40001);
  for (let i = 0; i < 40000; i++) if (lines[i] !== `line ${i} 你好`) assert.fail(`line ${i}: ${lines[i]}`);
});
