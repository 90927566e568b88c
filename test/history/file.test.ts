import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HistoryInput } from '../../src/history/entry.js';
import { HistoryFile, historyPath } from '../../src/history/file.js';
import { readHistory } from '../../src/history/read.js';
import { lockPathOf, withLock } from '../../src/history/lock.js';

function input(n: number): HistoryInput {
  return {
    at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    method: 'POST',
    path: '/wechat',
    query: { signature: 'a'.repeat(40), timestamp: '1700000000', nonce: String(n) },
    body: `<xml>${n}</xml>`,
    mode: 'plain',
    message: {
      ToUserName: 'gh_1',
      FromUserName: 'o1',
      CreateTime: n,
      MsgType: 'text',
      Content: `m${n}`,
      MsgId: String(n),
    },
    msgType: 'text',
    content: `m${n}`,
    status: 200,
    reply: 'success',
    latencyMs: n,
  };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-history-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writes NDJSON under .wxbot/ with increasing ids, private permissions and a .gitignore', async (t) => {
  const dir = await tempDir(t);
  const h = new HistoryFile(historyPath(dir));
  const a = await h.append(input(1));
  const b = await h.append(input(2));
  await h.flush();
  assert.deepEqual([a.id, b.id], [1, 2]);
  const text = await readFile(join(dir, '.wxbot', 'history.ndjson'), 'utf8');
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.id),
    [1, 2],
  );
  assert.equal(lines[1].content, 'm2');
  assert.equal((await stat(historyPath(dir))).mode & 0o777, 0o600);
  assert.equal(await readFile(join(dir, '.wxbot', '.gitignore'), 'utf8'), '*\n');
});

test('keeps only the last 200 and continues numbering from the file', async (t) => {
  const dir = await tempDir(t);
  const h = new HistoryFile(historyPath(dir));
  for (let i = 1; i <= 205; i++) await h.append(input(i));
  await h.flush();
  const entries = await readHistory(historyPath(dir));
  assert.equal(entries.length, 200);
  assert.equal(entries[0]!.id, 6);
  assert.equal(entries.at(-1)!.id, 205);
  // A new process (new HistoryFile) picks up where the last one stopped.
  const again = new HistoryFile(historyPath(dir));
  assert.equal((await again.append(input(999))).id, 206);
  await again.flush();
  assert.equal((await readHistory(historyPath(dir))).length, 200);
});

test('a burst of appends coalesces writes and ends with everything on disk, no temp files left', async (t) => {
  const dir = await tempDir(t);
  const h = new HistoryFile(historyPath(dir), { limit: 50 });
  await Promise.all(Array.from({ length: 120 }, (_, i) => h.append(input(i))));
  await h.flush();
  const entries = await readHistory(historyPath(dir));
  assert.equal(entries.length, 50);
  assert.deepEqual(
    entries.map((e) => e.id),
    Array.from({ length: 50 }, (_, i) => 71 + i),
  );
  assert.deepEqual((await readdir(join(dir, '.wxbot'))).sort(), ['.gitignore', 'history.ndjson']);
});

test('unreadable lines are skipped, a missing file is empty, get() finds by id', async (t) => {
  const dir = await tempDir(t);
  assert.deepEqual(await readHistory(historyPath(dir)), []);
  await mkdir(join(dir, '.wxbot'));
  await writeFile(historyPath(dir), `not json\n${JSON.stringify({ id: 7, ...input(7) })}\n{"half":\n`);
  const h = new HistoryFile(historyPath(dir));
  assert.equal((await h.list()).length, 1);
  assert.equal((await h.get(7))?.content, 'm7');
  assert.equal(await h.get(8), undefined);
  await h.clear();
  assert.equal(await readFile(historyPath(dir), 'utf8'), '');
});

test('a write failure is reported, not thrown into the caller', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, '.wxbot'), 'a file where the directory should be');
  const errors: unknown[] = [];
  const h = new HistoryFile(historyPath(dir), { onError: (e) => errors.push(e) });
  await h.append(input(1));
  await h.flush();
  assert.ok(errors.length >= 1);
});

test('record() defers the work: a burst builds only the newest N, ids keep arrival order, the file follows within flushMs', async (t) => {
  const dir = await tempDir(t);
  const h = new HistoryFile(historyPath(dir), { limit: 50, flushMs: 30 });
  let built = 0;
  for (let i = 1; i <= 1000; i++) {
    h.record(() => {
      built++;
      return input(i);
    });
  }
  assert.equal(built, 0, 'nothing is built on the request path');
  let entries = await readHistory(historyPath(dir));
  for (let i = 0; i < 100 && entries.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
    entries = await readHistory(historyPath(dir));
  }
  assert.equal(built, 50, 'exchanges overwritten before the flush are never built');
  assert.deepEqual(
    entries.map((e) => e.id),
    Array.from({ length: 50 }, (_, i) => 951 + i),
  );
  assert.deepEqual(
    entries.map((e) => e.content),
    Array.from({ length: 50 }, (_, i) => `m${951 + i}`),
  );
  // Next batch continues the numbering, mixed with append().
  h.record(() => input(2000));
  assert.equal((await h.append(input(2001))).id, 1002);
  await h.flush();
  assert.deepEqual(
    (await readHistory(historyPath(dir))).slice(-2).map((e) => [e.id, e.content]),
    [
      [1001, 'm2000'],
      [1002, 'm2001'],
    ],
  );
});

test('writes are rate-limited under a steady stream, and flush() leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const h = new HistoryFile(historyPath(dir), { limit: 20, flushMs: 40 });
  const started = Date.now();
  let n = 0;
  while (Date.now() - started < 200) {
    h.record(() => input(++n));
    await new Promise((r) => setImmediate(r));
  }
  await h.flush();
  const entries = await readHistory(historyPath(dir));
  assert.equal(entries.length, 20);
  assert.equal(entries.at(-1)!.content, `m${n}`);
  assert.deepEqual((await readdir(join(dir, '.wxbot'))).sort(), ['.gitignore', 'history.ndjson']);
});

test('an exit hook is armed only while something is unwritten; flushSync() writes at once', async (t) => {
  const dir = await tempDir(t);
  const before = process.listenerCount('exit');
  const h = new HistoryFile(historyPath(dir), { flushMs: 60_000 });
  await h.list();
  h.record(() => input(1));
  assert.equal(process.listenerCount('exit'), before + 1);
  h.flushSync();
  assert.equal(process.listenerCount('exit'), before);
  assert.deepEqual(
    (await readHistory(historyPath(dir))).map((e) => e.content),
    ['m1'],
  );
  h.record(() => input(2));
  await h.flush();
  assert.equal(process.listenerCount('exit'), before);
  assert.deepEqual(
    (await readHistory(historyPath(dir))).map((e) => e.content),
    ['m1', 'm2'],
  );
});

test('a process that exits right after recording still leaves every entry on disk', async (t) => {
  const dir = await tempDir(t);
  const src = new URL('../../src/history/file.ts', import.meta.url).href;
  const script = join(dir, 'exit.mjs');
  await writeFile(
    script,
    `import { HistoryFile } from ${JSON.stringify(src)};
const h = new HistoryFile(process.argv[2], { flushMs: 60_000 });
await h.list();
for (let i = 1; i <= 3; i++) h.record(() => ({ at: new Date().toISOString(), method: 'POST', path: '/wechat', query: {}, body: '', mode: 'plain', message: null, status: 200, reply: 'success', latencyMs: i, content: 'c' + i }));
process.exit(0);
`,
  );
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, historyPath(dir)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    (await readHistory(historyPath(dir))).map((e) => [e.id, e.content]),
    [
      [1, 'c1'],
      [2, 'c2'],
      [3, 'c3'],
    ],
  );
});

test("two writers on one file keep each other's exchanges: ids continue past what the other wrote", async (t) => {
  const dir = await tempDir(t);
  const a = new HistoryFile(historyPath(dir), { flushMs: 0 });
  const b = new HistoryFile(historyPath(dir), { flushMs: 0 });
  await a.list();
  await b.list();
  for (let i = 0; i < 6; i++) {
    (i % 2 === 0 ? a : b).record(() => input(i));
    await (i % 3 === 0 ? a : b).flush();
    await a.flush();
    await b.flush();
  }
  const entries = await readHistory(historyPath(dir));
  assert.deepEqual(entries.map((e) => e.content).sort(), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  const ids = entries.map((e) => e.id);
  assert.deepEqual(
    ids,
    [...new Set(ids)].sort((x, y) => x - y),
    'ids unique and increasing',
  );
  // A writer's memory is the file as its last write left it (the other's exchanges included).
  a.record(() => input(6));
  await a.flush();
  const after = await readHistory(historyPath(dir));
  assert.equal(after.length, 7);
  assert.deepEqual(
    (await a.list()).map((e) => e.id),
    after.map((e) => e.id),
  );
  assert.equal(readdirSync(join(dir, '.wxbot')).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp')).length, 0);
});

test('a clear from another process stays cleared: the running writer adds only what came after', async (t) => {
  const dir = await tempDir(t);
  const server = new HistoryFile(historyPath(dir), { flushMs: 0 });
  for (let i = 1; i <= 3; i++) server.record(() => input(i));
  await server.flush();
  await new HistoryFile(historyPath(dir)).clear(); // `wxbot history --clear` in another terminal
  server.record(() => input(4));
  await server.flush();
  assert.deepEqual(
    (await readHistory(historyPath(dir))).map((e) => e.content),
    ['m4'],
  );
});

test('concurrent processes writing one history lose nothing; a lock left by a dead process is taken over', async (t) => {
  const dir = await tempDir(t);
  const path = historyPath(dir);
  await mkdir(join(dir, '.wxbot'), { recursive: true });
  // A crashed writer's lock (a pid that cannot be running).
  await writeFile(`${path}.lock`, '2147483646');
  const src = new URL('../../src/history/file.ts', import.meta.url).href;
  const script = join(dir, 'writer.mjs');
  await writeFile(
    script,
    `import { HistoryFile } from ${JSON.stringify(src)};
const [path, tag] = process.argv.slice(2);
const h = new HistoryFile(path, { flushMs: 1 });
for (let i = 1; i <= 30; i++) {
  h.record(() => ({ at: new Date().toISOString(), method: 'POST', path: '/wechat', query: {}, body: '', mode: 'plain', message: null, status: 200, reply: 'success', latencyMs: i, content: tag + i }));
  if (i % 5 === 0) await h.flush();
  else await new Promise((r) => setTimeout(r, 1));
}
process.exit(0); // the rest goes out in the exit hook
`,
  );
  const { spawn } = await import('node:child_process');
  const run = (tag: string) =>
    new Promise<number | null>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', script, path, tag], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      c.on('exit', resolve);
    });
  assert.deepEqual(await Promise.all([run('a'), run('b'), run('c')]), [0, 0, 0]);
  const entries = await readHistory(path);
  const want = ['a', 'b', 'c'].flatMap((tag) => Array.from({ length: 30 }, (_, i) => `${tag}${i + 1}`));
  assert.deepEqual(entries.map((e) => e.content).sort(), want.sort());
  const ids = entries.map((e) => e.id);
  assert.equal(new Set(ids).size, 90, 'ids unique');
  assert.deepEqual(
    ids,
    [...ids].sort((x, y) => x - y),
    'ids in file order',
  );
  assert.deepEqual(
    readdirSync(join(dir, '.wxbot')).filter((f) => /\.(lock|tmp|takeover)$/.test(f)),
    [],
  );
});

/** `n` withLock holders started at once, each inside for `ms`: how many were inside together at most. */
async function mostInside(path: string, n: number, ms: number): Promise<number> {
  let inside = 0;
  let most = 0;
  const hold = () =>
    withLock(path, async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, ms));
      inside--;
    });
  await Promise.all(Array.from({ length: n }, hold));
  return most;
}

test('a stale lock is taken over by one waiter only: two takers never hold the lock at once', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'history.ndjson');
  for (let round = 0; round < 50; round++) {
    // A crashed writer's lock (a pid that cannot be running), seen as stale by every waiter at once.
    await writeFile(lockPathOf(path), '2147483646');
    const most = await mostInside(path, 3, 5);
    assert.equal(most, 1, `round ${round}: ${most} holders at once`);
  }
  assert.deepEqual(await readdir(dir), [], 'no lock or takeover guard left behind');
});

test('waiting behind several holders in turn is not a hung holder: nobody is given up on', async (t) => {
  const dir = await tempDir(t);
  // Five holders of 0.6 s: the last waits 2.4 s in all, past the 2 s after which one hung holder is given up on.
  assert.equal(await mostInside(join(dir, 'history.ndjson'), 5, 600), 1);
});
