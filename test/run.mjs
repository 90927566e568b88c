// Runs every *.test.ts under test/ with Node's built-in runner (TypeScript through tsx), then prints
// one line saying what passed, failed and was skipped and why, so a green run without some system
// program (see test/helpers/system.ts) cannot be taken for the full suite.
// Every test and hook gets a default timeout (test/helpers/test-timeout.mjs): a hang fails with its name.
// A file whose results stop coming (its process ended early, or its last reports were lost) fails too:
// Node 20 counts such a file as passed (test/helpers/file-completed.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : find(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

// An argument is part of a test file's path under test/, or the path of a test file anywhere (the
// runner's own tests run files they write to a temporary directory).
const paths = only.filter((o) => /\.test\.[cm]?[jt]s$/.test(o) && existsSync(o));
const parts = only.filter((o) => !paths.includes(o));
// A file named twice (its path, and part of it) runs once.
const files = [
  ...new Set([
    ...paths.map((p) => relative(root, resolve(p))),
    ...(paths.length > 0 && parts.length === 0
      ? []
      : find(join(root, 'test'))
          .map((f) => relative(root, f))
          .filter((f) => parts.length === 0 || parts.some((o) => f.includes(o)))
          .sort()),
  ]),
];
const scratch = mkdtempSync(join(tmpdir(), 'wxbot-test-run-'));
const results = join(scratch, 'results.jsonl');
// Every temporary directory the tests and the programs they start make (os.tmpdir() follows TMPDIR)
// lands here and is removed with it: what a test forgets to clean up does not pile up in the
// machine's /tmp run after run.
const tmp = join(scratch, 'tmp');
mkdirSync(tmp);
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './test/helpers/test-timeout.mjs',
    '--import',
    './test/helpers/file-completed.mjs',
    '--test',
    '--test-concurrency=2',
    // A test that timed out may leave a handle open; its file must still end.
    '--test-force-exit',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./test/helpers/summary-reporter.mjs',
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: runEnv() },
);
let lines = [];
try {
  lines = readFileSync(results, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // no results: said below
}
try {
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
} catch (err) {
  // A process a test left behind may still be writing there: worth a line, not a failed run.
  console.log(`could not remove the tests' scratch directory ${scratch}: ${err.message}`);
}
const cut = cutShort(lines);
console.log(summary(lines, cut));
process.exit(cut.length > 0 ? 1 : (r.status ?? 1));

function runEnv() {
  const env = { ...process.env, NO_COLOR: '1', WXBOT_TEST_RESULTS: results, TMPDIR: tmp };
  // Set by node:test in the processes it runs: a run started from a test would report to it, not here.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/**
 * What did not reach this process to its end: a file whose process never said it completed, a test
 * that started and has no outcome, and one that its file's process ran whose outcome never came.
 * Each as `file: what`.
 */
function cutShort(lines) {
  const completed = new Set(lines.filter((l) => l.completed).map((l) => relative(root, l.completed)));
  const out = files.filter((f) => !completed.has(f)).map((f) => `${f}: ended before its last test`);
  // Each kind of note counted against the outcomes it must have, by file and name (names repeat).
  const unanswered = (notes, outcomes, what) => {
    const count = new Map();
    const key = (file, name) => JSON.stringify([relative(root, file ?? ''), name]);
    for (const [file, name] of notes) count.set(key(file, name), (count.get(key(file, name)) ?? 0) + 1);
    for (const l of outcomes) count.set(key(l.file, l.name), (count.get(key(l.file, l.name)) ?? 0) - 1);
    for (const [k, n] of count) {
      const [file, name] = JSON.parse(k);
      if (n > 0) out.push(`${file}: ${name} ${what}`);
    }
  };
  const outcomes = lines.filter((l) => l.outcome !== undefined);
  unanswered(
    lines.filter((l) => l.started !== undefined).map((l) => [l.file, l.started]),
    outcomes,
    'started and never ended',
  );
  // A file's process notes the tests it ran (a suite has no note of its own).
  unanswered(
    lines.filter((l) => l.ran !== undefined).map((l) => [l.file, l.ran]),
    outcomes.filter((l) => !l.suite),
    'ran, and its outcome never came',
  );
  return out;
}

/** One line: counts, each skip reason with its files, the programs missing in CI, the first failures. */
function summary(lines, cut) {
  const tests = lines.filter((l) => l.outcome !== undefined && !l.suite);
  if (tests.length === 0) return 'summary: no test results (the runner did not report any)';
  const passed = tests.filter((l) => l.outcome === 'pass').length;
  const failed = tests.filter((l) => l.outcome === 'fail');
  const skipped = lines.filter((l) => l.outcome === 'skip');
  let out = `summary: ${passed} passed, ${failed.length} failed, `;
  if (skipped.length === 0) out += 'nothing skipped';
  else {
    const byReason = new Map();
    for (const s of skipped) {
      const files = byReason.get(s.reason) ?? new Map();
      const file = relative(root, s.file ?? '');
      files.set(file, (files.get(file) ?? 0) + 1);
      byReason.set(s.reason, files);
    }
    const reasons = [...byReason].map(([reason, files]) => {
      const where = [...files].map(([f, n]) => (n > 1 ? `${f} ×${n}` : f)).join(', ');
      return `${reason || 'no reason given'} (${where})`;
    });
    out += `${skipped.length} skipped: ${reasons.join('; ')}`;
  }
  const missing = [
    ...new Set(failed.map((l) => /^(\S+) must be installed when CI=true$/.exec(l.name)?.[1]).filter(Boolean)),
  ];
  if (missing.length > 0) out += ` | missing programs (CI=true): ${missing.join(', ')}`;
  const others = failed.filter((l) => !/ must be installed when CI=true$/.test(l.name));
  if (others.length > 0) {
    const names = others.slice(0, 5).map((l) => `${relative(root, l.file ?? '')}: ${l.name}`);
    out += ` | failed: ${names.join('; ')}${others.length > 5 ? `; and ${others.length - 5} more` : ''}`;
  }
  if (cut.length > 0)
    out += ` | cut short (their results stopped coming): ${cut.slice(0, 5).join('; ')}${cut.length > 5 ? `; and ${cut.length - 5} more` : ''}`;
  return out;
}
