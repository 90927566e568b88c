// test/run.mjs fails a run whose results stopped coming, which Node 20's runner reports as passed: a
// file whose process ended early with exit code 0, a test that started and has no outcome, and one
// that its file's process ran whose outcome never reached the runner.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runChild } from './run-child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wxbot-cut-short-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function testFile(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `import { test } from 'node:test';\n${body}\n`);
  return path;
}

const whole = testFile('whole.test.mjs', "test('one', () => {});\ntest('two', () => {});");
const early = testFile(
  'early.test.mjs',
  "test('one', () => {});\ntest('two', () => process.exit(0));\ntest('three', () => {});",
);
// What the runner's process would record had the file's later reports been lost on the way.
const lost = testFile(
  'lost.test.mjs',
  `import { appendFileSync } from 'node:fs';
test('one', () => {
  appendFileSync(process.env.WXBOT_TEST_RESULTS, JSON.stringify({ started: 'ghost', file: process.argv[1], nesting: 0 }) + '\\n');
});`,
);

// As if the report of a second test had been lost between the file's process and the runner's.
const unreported = testFile(
  'unreported.test.mjs',
  `import { appendFileSync } from 'node:fs';
test('one', () => {
  appendFileSync(process.env.WXBOT_TEST_RESULTS, JSON.stringify({ ran: 'ghost', file: process.argv[1] }) + '\\n');
});`,
);

async function run(files: string[]): Promise<{ code: number | null; last: string }> {
  const r = await runChild(process.execPath, [join(ROOT, 'test/run.mjs'), ...files], { cwd: ROOT, env: process.env });
  return { code: r.code, last: r.stdout.trimEnd().split('\n').at(-1) ?? '' };
}

test('a file that ran to its end passes, with nothing said of it', async () => {
  const r = await run([whole]);
  assert.equal(r.code, 0, r.last);
  assert.equal(r.last, 'summary: 2 passed, 0 failed, nothing skipped');
});

test('a file whose process ended early with exit code 0 fails the run, named', async () => {
  const r = await run([whole, early]);
  assert.equal(r.code, 1, r.last);
  assert.match(
    r.last,
    /\| cut short \(their results stopped coming\): \S*early\.test\.mjs: ended before its last test(;|$)/,
  );
  assert.doesNotMatch(r.last, /whole\.test\.mjs/);
});

test('a test that started and has no outcome fails the run, named', async () => {
  const r = await run([lost]);
  assert.equal(r.code, 1, r.last);
  assert.match(
    r.last,
    /\| cut short \(their results stopped coming\): \S*lost\.test\.mjs: ghost started and never ended$/,
  );
});

test('a test its file ran whose outcome never came fails the run, named; skipped tests and suites need none', async () => {
  const r = await run([unreported]);
  assert.equal(r.code, 1, r.last);
  assert.match(
    r.last,
    /\| cut short \(their results stopped coming\): \S*unreported\.test\.mjs: ghost ran, and its outcome never came$/,
  );
  const mixed = testFile(
    'mixed.test.mjs',
    `import { describe, it } from 'node:test';
describe('a suite', () => {
  it('runs', () => {});
  it.skip('is skipped', () => {});
  it('skips itself', (t) => t.skip('at run time'));
  it.todo('is to do', () => {});
});
test('has a subtest', async (t) => { await t.test('the subtest', () => {}); });`,
  );
  const ok = await run([mixed]);
  assert.equal(ok.code, 0, ok.last);
  assert.doesNotMatch(ok.last, /cut short/);
});
