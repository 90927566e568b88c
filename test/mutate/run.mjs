// `npm run mutate`: breaks the code on purpose, one named behaviour at a time (test/mutate/mutations.mjs),
// in a scratch copy of the repository (src/ for the tests that import it, dist/ for the CLI and the
// child processes), runs only the test files named for that mutation, and reports which tests caught
// it. Every mutation must be caught: exit 1 when one survives or no longer applies.
//   npm run mutate                    # all (after npm run build)
//   npm run mutate -- --check         # only check that every mutation still applies (seconds)
//   npm run mutate -- deadline        # the mutations whose name contains "deadline"
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATIONS } from './mutations.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const only = args.filter((a) => !a.startsWith('--'));
const chosen = MUTATIONS.filter((m) => only.length === 0 || only.some((o) => m.name.includes(o)));

/** `find` as a pattern: its spaces match any whitespace (tsc breaks and indents statements its own way). */
function pattern(find) {
  return new RegExp(
    find
      .split(/\s+/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+'),
    'g',
  );
}

function occurrences(text, find) {
  return text.match(pattern(find))?.length ?? 0;
}

/** The mutated text of `text`, or an error saying why the mutation does not apply. */
function mutate(text, m, where) {
  let out = text;
  for (const e of [m, ...(m.also ? [m.also] : [])]) {
    const n = occurrences(out, e.find);
    if (n === 0 || (n > 1 && !m.all)) throw new Error(`${where}: \`${e.find}\` found ${n} times`);
    out = out.replace(pattern(e.find), () => e.replace);
  }
  return out;
}

function targets(m) {
  return [`src/${m.file}.ts`, `dist/${m.file}.js`];
}

// Every mutation must apply to both copies, with as many replacements in each.
const problems = [];
for (const m of chosen) {
  const counts = targets(m).map((f) => {
    try {
      const text = readFileSync(join(ROOT, f), 'utf8');
      mutate(text, m, f);
      return occurrences(text, m.find);
    } catch (err) {
      problems.push(`${m.name}: ${err.message}`);
      return -1;
    }
  });
  if (counts[0] >= 0 && counts[1] >= 0 && counts[0] !== counts[1])
    problems.push(`${m.name}: found ${counts[0]} times in src, ${counts[1]} in dist (npm run build?)`);
}
if (problems.length > 0) {
  console.error(`mutations that no longer apply (update test/mutate/mutations.mjs):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
if (checkOnly) {
  console.log(`all ${chosen.length} mutations apply to src/ and dist/`);
  process.exit(0);
}

// The scratch copy: the tracked files and dist/, node_modules linked.
const scratch = mkdtempSync(join(tmpdir(), 'wxbot-mutate-'));
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
for (const f of tracked) {
  mkdirSync(dirname(join(scratch, f)), { recursive: true });
  try {
    cpSync(join(ROOT, f), join(scratch, f));
  } catch {
    // deleted in the working tree
  }
}
cpSync(join(ROOT, 'dist'), join(scratch, 'dist'), { recursive: true });
symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'));

/** Runs test files in the scratch copy; the summary line of test/run.mjs and the run's time. */
function runTests(files) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['test/run.mjs', ...files], {
    cwd: scratch,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // A hang (no success at the deadline) fails in 30 s rather than the usual 120; the fuzz suite runs fewer cases.
    env: { ...process.env, WXBOT_TEST_TIMEOUT_MS: '30000', WXBOT_FUZZ_RUNS: '1000' },
  });
  const summary = (r.stdout ?? '').trimEnd().split('\n').at(-1) ?? '';
  return { code: r.status, summary, seconds: Math.round((Date.now() - started) / 1000) };
}

const lines = [];
let failed = false;
try {
  const all = [...new Set(chosen.flatMap((m) => m.tests))].sort();
  const baseline = runTests(all);
  lines.push(`baseline (no mutation), ${all.length} files, ${baseline.seconds} s: ${baseline.summary}`);
  console.log(lines.at(-1));
  if (baseline.code !== 0) {
    console.error('the tests fail without any mutation: fix them first');
    process.exit(1);
  }
  for (const m of chosen) {
    const saved = targets(m).map((f) => [f, readFileSync(join(scratch, f), 'utf8')]);
    for (const [f, text] of saved) writeFileSync(join(scratch, f), mutate(text, m, f));
    const r = runTests(m.tests);
    for (const [f, text] of saved) writeFileSync(join(scratch, f), text);
    const caught = r.code !== 0 && / [1-9]\d* failed/.test(r.summary);
    const skipped = / \d+ skipped: /.test(r.summary) ? ' (some tests were skipped)' : '';
    if (!caught) failed = true;
    lines.push(
      `${caught ? 'CAUGHT  ' : 'SURVIVED'} ${m.name}: ${m.why}\n         ${m.tests.join(' ')} (${r.seconds} s)${skipped}\n         ${r.summary.replace(/^summary: /, '')}`,
    );
    console.log(lines.at(-1));
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const caught = lines.filter((l) => l.startsWith('CAUGHT')).length;
console.log(`\n${caught} of ${chosen.length} mutations caught${failed ? '; the others SURVIVED' : ''}`);
process.exit(failed ? 1 : 0);
