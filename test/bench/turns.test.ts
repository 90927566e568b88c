// test/bench/turns.mjs, the tool docs/internals/performance.md measures in turns with, run briefly on
// two real targets: it must start them, take its turns and print a figure for each.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** turns.mjs on `targets`, two short turns each; `env` adds its knobs. */
function turns(targets: object[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['test/bench/turns.mjs', JSON.stringify(targets)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TURNS: '2', TURN_REQUESTS: '400', TURN_WARMUP: '50', TURN_JIT_WARMUP: '200', ...env },
  });
}

test('turns.mjs measures bare node:http and createHandler in turns and prints CPU and page faults per request', () => {
  const r = turns([{ target: 'bare' }, { target: 'handler', label: 'the handler' }]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  const row = /^\s*(\d+\.\d) µs\/request {2}\[(\d+) (\d+)\] {2}(\d+\.\d{3}) page faults\/request {2}(.+)$/;
  const [bare, handler] = lines.slice(0, 2).map((l) => row.exec(l));
  assert.ok(bare && handler, r.stdout);
  assert.match(bare[5]!, /^bare/);
  assert.equal(handler[5], 'the handler');
  // Every request costs the server some CPU: a zero would mean the wrong process was measured.
  assert.ok(Number(handler[1]) > 0 && Number(bare[1]) > 0, r.stdout);
  // The second target against the first, turn by turn: with two turns, the mean of the two differences
  // between the turns printed above (rounded there to whole µs), and within its middle half.
  const paired =
    /^([+-]\d+\.\d) µs\/request turn by turn \(middle half ([+-]\d+\.\d) to ([+-]\d+\.\d)\) {2}the handler against bare/.exec(
      lines[2]!,
    );
  assert.ok(paired, r.stdout);
  const [difference, low, high] = paired.slice(1, 4).map(Number) as [number, number, number];
  const expected = (Number(handler[2]) - Number(bare[2]) + Number(handler[3]) - Number(bare[3])) / 2;
  assert.ok(Math.abs(difference - expected) <= 1, `${difference} against ${expected}: ${r.stdout}`);
  assert.ok(low <= difference && difference <= high, r.stdout);
});

test('turns.mjs sends WeChat retries (RETRIES) and fills a store before the turns (prefill)', () => {
  const r = turns([{ target: 'serve', prefill: 600, label: 'filled' }, { target: 'bare' }], { RETRIES: '0.3' });
  // A retry answered with anything but 200 (the replay guard refusing it, say) fails the run.
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  assert.match(lines[0]!, /µs\/request .* filled$/);
  assert.match(r.stderr, /^filled: 600 requests sent before the turns$/m);
  const retries = /^filled: (\d+) of (\d+) requests were retries, all answered 200$/m.exec(r.stderr);
  assert.ok(retries, r.stderr);
  // About 30% of them; 0 would mean RETRIES was not read.
  assert.ok(Number(retries[1]) > 0.2 * Number(retries[2]) && Number(retries[1]) < 0.4 * Number(retries[2]), r.stderr);
});
