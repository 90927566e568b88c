// The bench's switches for turning fast paths off (reference-paths.mjs) rewrite text in dist/: each
// must still find it, or docs/internals/performance.md's measurements can no longer be repeated.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs bench module without types
import { PATHS, rewrite, rewritesFor } from './reference-paths.mjs';

const dist = (rel: string) => fileURLToPath(new URL(`../../dist/${rel}`, import.meta.url));
type Rewrite = [string, string | RegExp, string];

test('every fast path the bench can turn off still finds the code it rewrites in dist/', () => {
  const names = Object.keys(PATHS);
  for (const name of names) {
    const files = new Set((PATHS[name] as Rewrite[]).map(([file]) => file));
    for (const rel of files) {
      const source = readFileSync(dist(rel), 'utf8');
      const out: string = rewrite(source, rewritesFor([name], rel), rel);
      assert.notEqual(out, source, `${name} changes dist/${rel}`);
    }
  }
});

test("every switch is a row of docs/internals/performance.md's fast-path table, and every row has one", () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/internals/performance.md', import.meta.url)), 'utf8');
  const table = doc.slice(doc.indexOf('| Fast path |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  // The fourth column names the switch.
  const documented = rows.map((r) => /`([\w-]+)`/.exec(r.split('|')[4] ?? '')?.[1]);
  assert.deepEqual([...documented].sort(), Object.keys(PATHS).sort());
});

test('an unknown name and a rewrite that no longer matches are errors, not a silent measurement of the fast path', () => {
  assert.throws(() => rewritesFor(['no-such-path'], 'server/verify.js'), /no fast path named no-such-path/);
  assert.throws(() => rewrite('nothing here', rewritesFor(['scan-bytes'], 'server/verify.js'), 'x.js'), /not found/);
});
