// The summary of where the targets stand in docs/internals/performance.md is worked out by hand from
// the table of runs in docs/internals/bench-log.md, run after run: this keeps the two saying the same
// (they had once drifted three runs apart).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const PERFORMANCE = 'docs/internals/performance.md';
const BENCH_LOG = 'docs/internals/bench-log.md';
const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

/** The summary's rows, in its order, and which column of a run's row each is read from. */
const TARGETS = [
  { label: '`wxbot serve`, plaintext', floor: 0.5, read: (c: string[]) => c[1] },
  { label: '`wxbot serve`, plaintext, 30% retries', floor: 0.5, read: (c: string[]) => c[5]?.split(' / ')[0] },
  { label: '`createHandler`, plaintext', floor: 0.5, read: (c: string[]) => c[2] },
  { label: '`wxbot serve`, safe mode', floor: 0.35, read: (c: string[]) => c[3] },
  { label: '`wxbot serve`, safe mode, 30% retries', floor: 0.35, read: (c: string[]) => c[5]?.split(' / ')[1] },
  { label: '`createHandler`, safe mode', floor: 0.35, read: (c: string[]) => c[4] },
];

/** The first ratio in a cell: `**0.47** [0.47 0.38 …], 49.3 µs` is 0.47. */
function ratio(cell: string | undefined): number {
  const m = /(\d\.\d\d)/.exec(cell ?? '');
  assert.ok(m, `no ratio in the cell ${JSON.stringify(cell)}`);
  return Number(m[1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Each five-round run of the log's table as its cells. */
function runs(): string[][] {
  return read(BENCH_LOG)
    .split('\n')
    .filter((l) => l.startsWith('| `npm run bench` (5 rounds'))
    .map((l) => l.split('|').slice(1, -1));
}

test("the summary table of the performance page is the bench log's runs counted", () => {
  const rows = runs();
  assert.ok(rows.length > 30, `the log's runs are found (${rows.length})`);
  const expected = TARGETS.map((t) => {
    const xs = rows.map((c) => ratio(t.read(c)));
    const met = xs.filter((x) => x >= t.floor).length;
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    return `| ${t.label} | ${t.floor} | ${median(xs).toFixed(2)} | ${lo.toFixed(2)}–${hi.toFixed(2)} | ${met} of ${rows.length} |`;
  });
  const doc = read(PERFORMANCE);
  assert.match(doc, new RegExp(`Where the targets stand \\(${rows.length} five-round runs`));
  const start = doc.indexOf('| target (ratio to bare `node:http`) |');
  const table = doc.slice(start, doc.indexOf('\n\n', start)).split('\n').slice(2);
  assert.deepEqual(table, expected);
});

test("the bench log's own tally of the plaintext rows follows its table", () => {
  const rows = runs();
  const serve = rows.map((c) => ratio(TARGETS[0]!.read(c)));
  const retries = rows.map((c) => ratio(TARGETS[1]!.read(c)));
  const both = serve.filter((x, i) => x >= 0.5 && retries[i]! >= 0.5).length;
  const tally = read(BENCH_LOG).replace(/\s+/g, ' ');
  const says =
    `Over the ${rows.length} five-round runs above, \`wxbot serve\` plaintext has a median of ${median(serve).toFixed(2)}` +
    ` and met its floor in ${serve.filter((x) => x >= 0.5).length}; the plaintext retry row (also judged at 0.5) a` +
    ` median of ${median(retries).toFixed(2)}, met in ${retries.filter((x) => x >= 0.5).length}; both in the same run, ${both} times.`;
  assert.ok(tally.includes(says), `the log says: ${says}`);
});
