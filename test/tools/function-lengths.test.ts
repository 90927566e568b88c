// The style rule "functions a newcomer reads top to bottom (< ~120 lines)" as a guard: a function in src/
// over 120 lines fails here unless a `function-length: <reason>` comment on it says why it stays whole.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

interface LongFunction {
  file: string;
  name: string;
  line: number;
  lines: number;
  reason?: string;
}

const tool = new URL('./function-lengths.mjs', import.meta.url).href;
const { longFunctions } = (await import(tool)) as { longFunctions(limit: number, dir?: string): LongFunction[] };

const LIMIT = 120;

test(`no function in src/ is longer than ${LIMIT} lines without a stated reason`, () => {
  const over = longFunctions(LIMIT).filter((f) => !f.reason);
  assert.deepEqual(
    over.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`),
    [],
    'split these into named steps, or say why one stays whole with a `// function-length: <reason>` comment on it',
  );
});

test('the guard measures functions, arrows and methods, and honours a stated reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-fn-length-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
  writeFileSync(
    join(dir, 'long.ts'),
    [
      `export function plain() {\n${body(130)}\n}`,
      `const arrow = () => {\n${body(125)}\n};`,
      `class K {\n  method() {\n${body(121)}\n  }\n}`,
      `// function-length: one table, read as a whole\nexport function excused() {\n${body(140)}\n}`,
      `export function short() {\n${body(10)}\n}`,
    ].join('\n'),
  );
  const found = longFunctions(LIMIT, dir);
  assert.deepEqual(
    found.map((f) => [f.name, f.lines, f.reason]),
    [
      ['excused', 142, 'one table, read as a whole'],
      ['plain', 132, undefined],
      ['arrow', 127, undefined],
      ['method', 123, undefined],
    ],
  );
});
