// The rule for system programs (test/helpers/system.ts), checked on real suites: with redis-server,
// nginx, zsh, fish and chromium hidden from PATH, test/run.mjs passes outside CI and its summary line
// names what was skipped and how to install it; with CI=true the same run fails naming the programs.
// `npm run test:node-only` does the same for the whole suite.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findProgram, requireProgram } from './system.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WITHOUT = join(ROOT, 'test/run-without.mjs');

/** Every test file, as `test/…` paths, with its text. */
function testFiles(): { file: string; text: string }[] {
  return (readdirSync(join(ROOT, 'test'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => ({ file: relative(ROOT, join(ROOT, 'test', f)), text: readFileSync(join(ROOT, 'test', f), 'utf8') }));
}

/**
 * Small suites that need each hidden program (the browser suites are found by their requirement).
 * replay-guard has tests with and without Redis in one file: it fails here if its Redis moves back
 * to a hook of the whole file.
 */
function suites(): string[] {
  const fixed = [
    'test/store/redis.test.ts',
    'test/server/replay-guard.test.ts',
    'test/readme/nginx.test.ts',
    'test/cli/completion.test.ts',
  ];
  const browser = testFiles()
    .filter((f) => /requireProgram\(\s*'chromium'|\bbrowserSkip\b/.test(f.text))
    .map((f) => f.file);
  return [...fixed, ...browser.slice(0, 1)];
}

function runWithout(files: string[], ci: boolean): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CI;
  if (ci) env.CI = 'true';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WITHOUT, ...files], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}

function summaryLine(out: string): string {
  const lines = out.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  assert.match(last, /^summary: /, `the last line is the summary:\n${lines.slice(-20).join('\n')}`);
  return last;
}

test('findProgram looks on PATH only; requireProgram says how to install what is missing', () => {
  assert.equal(findProgram('node') !== undefined || findProgram('sh') !== undefined, true);
  assert.equal(findProgram('wxbot-no-such-program'), undefined);
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    assert.deepEqual(requireProgram('sh', { install: 'apt-get install dash' }), { skip: false });
    assert.deepEqual(requireProgram('wxbot-no-such-program', { install: 'apt-get install nothing' }), {
      skip: 'wxbot-no-such-program not installed: apt-get install nothing, or run bash .ci/run',
    });
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
});

// The nested runs below try a few files; this catches the next file that starts a redis-server
// and forgets the rule (as five once did), without running it.
test('every test file that starts a redis-server takes requireRedis()', () => {
  const starts = /\bstart(?:Test|Private)Redis\(|['"]redis-server['"]/;
  const careless = testFiles()
    .filter((f) => f.file !== 'test/helpers/system.test.ts')
    .filter((f) => starts.test(f.text) && !/\brequireRedis\(\)/.test(f.text))
    .map((f) => f.file);
  assert.deepEqual(careless, [], 'these files start Redis without requireRedis() (test/fakes/redis.ts)');
});

// Two nested runs of test/run.mjs: a few suites only (the whole suite is `npm run test:node-only`),
// and a generous timeout, as they start many processes on a busy machine.
test('without redis-server, nginx, zsh, fish, chromium: skipped and named outside CI, a failure naming them with CI=true', {
  timeout: 240_000,
}, async () => {
  const files = suites();
  // CI=true: the cheaper suites suffice to see the missing programs named (the rule is the same).
  const ciFiles = files.filter((f) => !f.includes('completion'));
  const [local, ci] = await Promise.all([runWithout(files, false), runWithout(ciFiles, true)]);

  const line = summaryLine(local.out);
  assert.equal(local.code, 0, `exit 0 outside CI; ${line}`);
  assert.match(line, / 0 failed, \d+ skipped: /);
  const named: [program: string, install: string, file: string][] = [
    ['redis-server', 'apt-get install redis-server', 'test/store/redis.test.ts'],
    ['redis-server', 'apt-get install redis-server', 'test/server/replay-guard.test.ts'],
    ['nginx', 'apt-get install nginx', 'test/readme/nginx.test.ts'],
    ['zsh', 'apt-get install zsh', 'test/cli/completion.test.ts'],
    ['fish', 'apt-get install fish', 'test/cli/completion.test.ts'],
  ];
  const browser = files.find((f) => f.startsWith('test/ui/'));
  if (browser) named.push(['chromium', 'apt-get install -y --no-install-recommends chromium fonts-noto-cjk', browser]);
  for (const [program, install, file] of named) {
    const reason = `${program} not installed: ${install}, or run bash .ci/run`;
    assert.ok(line.includes(reason), `the summary names ${program} and its install command: ${line}`);
    assert.ok(line.slice(line.indexOf(reason)).split(';')[0]!.includes(file), `${program}: ${file} named; ${line}`);
  }

  const ciLine = summaryLine(ci.out);
  assert.notEqual(ci.code, 0, `CI=true fails; ${ciLine}`);
  const missing = /missing programs \(CI=true\): ([^|]+)/.exec(ciLine)?.[1]?.trim().split(', ') ?? [];
  const expected = ['redis-server', 'nginx'];
  if (ciFiles.some((f) => f.startsWith('test/ui/'))) expected.push('chromium');
  assert.deepEqual(missing.sort(), expected.sort(), ciLine);
});
