// Type-checks every JavaScript and TypeScript example of the documentation (README*.md, docs/) the way a
// user who copies it would: strict, module nodenext, checkJs for `js` blocks, `import … from 'wxbot'`
// resolved through package.json's exports to this checkout's built types (dist/*.d.ts, so run
// `npm run build` first), with @types/node and the devDependencies the examples import (express, koa,
// fastify). One program for all blocks, each block in its own file; a failure reads `page.md:LINE: TS…`.
//
// A block that is a fragment (it uses a `bot`, an `app` or values the page has in context) says so with
// a comment right before it, naming what it assumes and its type; the test declares those before the block:
//
//   <!-- fragment: bot: Bot, openId: string -->
//
// A type is a wxbot export, `Express` (express), `FastifyInstance` (fastify), or a global (string, Buffer…).
// A block that imports `./bot.mjs` or `../bot.mjs` gets the project's bot module (a wxbot Bot), as the
// pages that show such imports describe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { type CodeBlock, codeBlocks, docFiles, REPO_ROOT } from './extract.js';

const LANGS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);
const isJs = (b: CodeBlock) => b.lang === 'js' || b.lang === 'javascript' || b.lang === 'mjs';

/** Blocks that are not about the package, so not checked against it: page, the block's first line, why. */
const NOT_CHECKED = [
  {
    file: 'docs/internals/testing.md',
    starts: "import { findProgram, requireProgram } from '../helpers/system.js';",
    why: "contributors' docs: it imports the repository's own test helpers (test/helpers/system.ts), not wxbot",
  },
];

/** Where the non-wxbot types a fragment comment may name come from. */
const TYPE_FROM: Record<string, string> = { Express: 'express', FastifyInstance: 'fastify' };
const GLOBAL_TYPES = new Set(['Buffer', 'Uint8Array', 'Promise', 'Record', 'Array', 'Date', 'URL']);

const FRAGMENT = /<!--\s*fragment:([\s\S]*?)-->/;

/** The `name: Type` pairs of a block's `<!-- fragment: … -->` comment. */
function fragmentNames(comment: string | undefined): { name: string; type: string }[] {
  const m = comment && FRAGMENT.exec(comment);
  if (!m) return [];
  return m[1]!.split(/,\s*(?=[A-Za-z_$][\w$]*\s*:)/).map((pair) => {
    const d = /^\s*([A-Za-z_$][\w$]*)\s*:\s*([\s\S]+?)\s*$/.exec(pair);
    if (!d) throw new Error(`a fragment comment names \`name: Type\` pairs, not \`${pair.trim()}\``);
    return { name: d[1]!, type: d[2]! };
  });
}

/** A fragment type with its names qualified: `Bot` → `import('wxbot').Bot`. */
function qualified(type: string): string {
  return type.replace(/\b[A-Z][\w$]*\b/g, (id) =>
    GLOBAL_TYPES.has(id) ? id : `import('${TYPE_FROM[id] ?? 'wxbot'}').${id}`,
  );
}

/** One line put before a block: declarations for what its fragment comment names; `export {}` keeps it a module. */
function prelude(block: CodeBlock): string {
  const decls = fragmentNames(block.comment).map(({ name, type }) =>
    isJs(block)
      ? `/** @type {${qualified(type)}} */ const ${name} = /** @type {any} */ (undefined);`
      : `declare const ${name}: ${qualified(type)};`,
  );
  return [...decls, 'export {};'].join(' ');
}

/** The file a block is written to: the name its first line gives (`// bot.mjs`), else by language. */
function fileName(block: CodeBlock): string {
  const named = /^\/\/\s*([\w.-]+\.(?:[cm]?js|[cm]?ts))\s*$/.exec(block.code.split('\n')[0]!);
  if (named) return named[1]!;
  if (!isJs(block)) return 'example.ts';
  return /\bmodule\.exports\b|\brequire\(/.test(block.code) ? 'example.cjs' : 'example.mjs';
}

const BOT_MODULE = "import type { Bot } from 'wxbot';\ndeclare const bot: Bot;\nexport default bot;\n";

/**
 * A scratch project: package.json (ESM), node_modules with wxbot linked to this checkout and the
 * repository's own packages beside it, and each block in blocks/N/ with the bot module it may import.
 */
function scratch(blocks: CodeBlock[]): { dir: string; files: Map<string, CodeBlock> } {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-doc-types-'));
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  symlinkSync(REPO_ROOT, join(modules, 'wxbot'), 'dir');
  for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (!name.startsWith('.') && name !== 'wxbot')
      symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
  }
  mkdirSync(join(dir, 'blocks'));
  writeFileSync(join(dir, 'blocks', 'bot.d.mts'), BOT_MODULE); // for `import bot from '../bot.mjs'`
  const files = new Map<string, CodeBlock>();
  blocks.forEach((block, i) => {
    const sub = join(dir, 'blocks', String(i));
    mkdirSync(sub);
    const name = fileName(block);
    if (name !== 'bot.mjs') writeFileSync(join(sub, 'bot.d.mts'), BOT_MODULE);
    const path = join(sub, name);
    writeFileSync(path, `${prelude(block)}\n${block.code}\n`);
    files.set(path, block);
  });
  return { dir, files };
}

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  allowJs: true,
  checkJs: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
};

/** `page.md:LINE: TS2345 message` for a diagnostic in a block, `path:LINE: …` for one elsewhere. */
function where(d: ts.Diagnostic, files: Map<string, CodeBlock>, dir: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (!d.file || d.start === undefined) return `TS${d.code} ${text}`;
  const line = d.file.getLineAndCharacterOfPosition(d.start).line; // 0-based; line 0 is the prelude
  const block = files.get(ts.sys.resolvePath(d.file.fileName)) ?? files.get(d.file.fileName);
  if (!block) return `${relative(dir, d.file.fileName)}:${line + 1}: TS${d.code} ${text}`;
  return `${block.file}:${block.at + line - 1}: TS${d.code} ${text}`;
}

test('every js/ts example of the docs type-checks against the built package', () => {
  assert.ok(existsSync(join(REPO_ROOT, 'dist/index.d.ts')), 'dist/index.d.ts is missing: run `npm run build` first');
  const all = docFiles().flatMap((f) => codeBlocks(f.text, f.path, LANGS));
  const skipped = all.filter((b) => NOT_CHECKED.some((n) => n.file === b.file && b.code.startsWith(n.starts)));
  assert.equal(skipped.length, NOT_CHECKED.length, 'a block of NOT_CHECKED is no longer in the docs: remove it');
  const blocks = all.filter((b) => !skipped.includes(b));
  assert.ok(blocks.length >= 20, `only ${blocks.length} js/ts blocks found in the docs`);
  const { dir, files } = scratch(blocks);
  try {
    const program = ts.createProgram([...files.keys()], OPTIONS);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => where(d, files, dir));
    if (problems.length > 0) assert.fail(`examples that do not type-check:\n${problems.sort().join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
