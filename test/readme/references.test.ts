// The code cites documents: `protocol.md §5.4` (or a bare `§5.4`, which means the same page) and paths
// such as `docs/cli/serve.md`; the docs name source files. Every cited section and file must be in the
// repository, so a maintainer can follow each reference.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { docFiles, REPO_ROOT } from './extract.js';

const PROTOCOL = 'docs/internals/protocol.md';

/** Source files of src/ and test/: not fixtures (data), nor test/readme/ (whose samples are made-up pages). */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (rel !== 'test/fixtures' && rel !== 'test/readme') walk(rel);
      } else if (/\.(ts|mts|mjs|js|cjs)$/.test(e.name)) out.push(rel);
    }
  };
  walk('src');
  walk('test');
  return out;
}

/** The section numbers protocol.md has: `## 5. Passive replies` → 5, `### 5.4 Deduplication` → 5.4. */
function protocolSections(): Set<string> {
  const text = readFileSync(join(REPO_ROOT, PROTOCOL), 'utf8');
  return new Set([...text.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]!));
}

/** Bare page names the code uses, and the page each means (README.md is also the one `wxbot init` writes). */
const KNOWN_PAGES: Record<string, string> = {
  'protocol.md': PROTOCOL,
  'README.md': 'README.md',
  'README.zh-CN.md': 'README.zh-CN.md',
};

interface Reference {
  where: string;
  cited: string;
}

/** `§…` citations of a file, except those of another document (`RFC 9112 §9.6`). */
function sectionCitations(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(RFC \d+ )?§(\d+(?:\.\d+)*)/g)) if (!m[1]) out.push(m[2]!);
  return out;
}

/** Document paths a file names: `docs/…` paths and bare page names such as `protocol.md`. */
function documentPaths(text: string): string[] {
  return [...text.matchAll(/(?<![\w./-])((?:docs\/[\w./-]+)|[\w-]+\.md)\b/g)].map((m) => m[1]!.replace(/\.$/, ''));
}

test('every protocol.md section the code cites exists in docs/internals/protocol.md', () => {
  const sections = protocolSections();
  assert.ok(sections.has('3.4') && sections.has('7.5'), 'the reader found the numbered headings');
  const missing: Reference[] = [];
  let cited = 0;
  for (const file of sources()) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const s of sectionCitations(text)) {
      cited++;
      if (!sections.has(s)) missing.push({ where: file, cited: `§${s}` });
    }
  }
  assert.ok(cited > 50, `only ${cited} citations found`);
  assert.deepEqual(missing, []);
});

test('every document the code names is in the repository', () => {
  const missing: Reference[] = [];
  for (const file of sources()) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const p of documentPaths(text)) {
      const path = p.startsWith('docs/') ? p : KNOWN_PAGES[p];
      if (!path || !existsSync(join(REPO_ROOT, path))) missing.push({ where: file, cited: p });
    }
  }
  assert.deepEqual(missing, []);
});

test('every src/ or test/ path the docs name in backticks exists', () => {
  const missing: Reference[] = [];
  for (const f of docFiles()) {
    for (const m of f.text.matchAll(/`((?:src|test)\/[\w./-]+)`/g)) {
      if (!existsSync(join(REPO_ROOT, m[1]!))) missing.push({ where: f.path, cited: m[1]! });
    }
  }
  assert.deepEqual(missing, []);
});

test('citations and paths are read the way a maintainer means them', () => {
  assert.deepEqual(sectionCitations('see protocol.md §5.3, §5.4 and RFC 9112 §9.6; §7.2/§7.3'), [
    '5.3',
    '5.4',
    '7.2',
    '7.3',
  ]);
  assert.deepEqual(documentPaths('(protocol.md §4); docs/cli/serve.md. and src/x.md'), [
    'protocol.md',
    'docs/cli/serve.md',
  ]);
});
