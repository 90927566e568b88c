import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

/** A sink that keeps every chunk it is given. */
function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(c: Buffer, _e, done) {
      chunks.push(Buffer.from(c));
      done();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

test('lineParts writes exactly the bytes of line() of the joined parts (long parts, lone surrogates, emoji, empty parts)', async () => {
  const fc = (await import('fast-check')).default;
  const a = collector();
  const b = collector();
  const wa = new LineWriter(a.out);
  const wb = new LineWriter(b.out);
  const part = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 80 }), // lone surrogates: Buffer writes U+FFFD
    fc.constantFrom('', ' ', '→', '…', 'x'.repeat(300), '😀'.repeat(40), '\ud800', 'a\udc00b'),
  );
  fc.assert(
    fc.property(fc.array(fc.array(part, { maxLength: 25 }), { minLength: 1, maxLength: 6 }), (lines) => {
      for (const parts of lines) {
        wa.line(parts.join(''));
        wb.lineParts(parts, parts.length);
      }
    }),
    { numRuns: 300 },
  );
  // Only the first n parts count.
  wa.line('ab');
  wb.lineParts(['a', 'b', 'not this'], 2);
  wa.flush();
  wb.flush();
  await new Promise((r) => setImmediate(r));
  assert.ok(a.bytes().length > 0);
  assert.ok(b.bytes().equals(a.bytes()));
});

test('lineWith: the writer encodes the line itself; when it gives up nothing of what it wrote is kept', async () => {
  const c = collector();
  const w = new LineWriter(c.out);
  const write = (s: string, buf: Buffer, at: number) => {
    if (!s.startsWith('!')) return buf.write(s, at);
    buf.write('garbage', at);
    return -1;
  };
  assert.equal(w.lineWith(16, 'first', write), true);
  assert.equal(w.lineWith(16, '!gives up', write), false);
  w.line('second');
  assert.equal(w.lineWith(16, 'third', write), true);
  w.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(c.bytes().toString(), 'first\nsecond\nthird\n');
});
