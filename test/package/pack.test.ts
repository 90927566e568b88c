// What `npm pack` would publish: what a user needs to run, read and debug wxbot, and nothing of the tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function packedFiles(): string[] {
  // --ignore-scripts: `prepare` already ran (npm test builds first); the list is what matters here.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [pack] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  return pack!.files.map((f) => f.path);
}

test('the package holds the CLI, the compiled library with its types, the docs and the licence', () => {
  const files = new Set(packedFiles());
  for (const f of ['bin/wxbot.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'README.md']) {
    assert.ok(files.has(f), `${f} is missing from the package`);
  }
  for (const f of ['README.zh-CN.md', 'LICENSE', 'package.json', 'docs/README.md']) {
    assert.ok(files.has(f), `${f} is missing from the package`);
  }
});

test('the package holds nothing of the tests, the tooling or local state', () => {
  const unwanted = packedFiles().filter(
    (f) =>
      /^(test|node_modules|api|coverage|\.wxbot|\.ci)\//.test(f) ||
      /\.test\.[cm]?[jt]s$/.test(f) ||
      /(^|\/)\.env$/.test(f) ||
      /^(biome\.jsonc|typedoc\.json|tsconfig\.json|package-lock\.json)$/.test(f),
  );
  assert.deepEqual(unwanted, []);
});

test("every source map's sources are in the package, so a debugger shows the TypeScript", () => {
  const files = new Set(packedFiles());
  const maps = [...files].filter((f) => f.endsWith('.js.map'));
  assert.ok(maps.length > 50, `only ${maps.length} source maps`);
  const missing: string[] = [];
  for (const m of maps) {
    const { sources } = JSON.parse(readFileSync(join(root, m), 'utf8')) as { sources: string[] };
    for (const s of sources) {
      const path = normalize(join(dirname(m), s));
      if (!files.has(path)) missing.push(`${m} → ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
