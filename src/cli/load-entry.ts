import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Bot } from '../bot/bot.js';
import { exportDotEnv } from '../config/env.js';
import { CliError, EXIT } from './errors.js';

type TsImport = (
  specifier: string,
  options: { parentURL: string; onImport?: (url: string) => void },
) => Promise<unknown>;

const TS_EXT = new Set(['.ts', '.mts', '.cts', '.tsx']);

// tsx is optional: found next to wxbot, or in the user's project (npx runs wxbot from elsewhere).
async function loadTsImport(cwd: string): Promise<TsImport | undefined> {
  const spec = 'tsx/esm/api';
  try {
    return ((await import(spec)) as { tsImport: TsImport }).tsImport;
  } catch {
    try {
      const pkg = createRequire(join(cwd, 'package.json')).resolve('tsx/package.json');
      const api = join(pkg, '..', 'dist', 'esm', 'api', 'index.mjs');
      return ((await import(pathToFileURL(api).href)) as { tsImport: TsImport }).tsImport;
    } catch {
      return undefined;
    }
  }
}

function isBot(x: unknown): x is Bot {
  // Duck-typed: the entry may build its bot with another copy of wxbot (its own node_modules).
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Bot).handle === 'function' &&
    typeof (x as Bot).use === 'function'
  );
}

export interface LoadedEntry {
  bot: Bot;
  /** Local files the entry imported (known when loaded through tsx); for --watch. */
  files: string[];
}

/**
 * Imports the user's bot module: its default export (or `bot` export) is a bot, or a function
 * returning one. `.ts` goes through tsx when it is installed. `fresh` re-imports for --watch.
 */
export async function loadEntry(entry: string, cwd: string, fresh = false): Promise<LoadedEntry> {
  const file = resolve(cwd, entry);
  if (!existsSync(file)) throw new CliError(`entry not found: ${entry}`, EXIT.usage);
  const ext = extname(file);
  const url = pathToFileURL(file).href;
  const files: string[] = [];
  let mod: unknown;
  exportDotEnv(cwd);
  const tsImport = TS_EXT.has(ext) || fresh ? await loadTsImport(cwd) : undefined;
  if (TS_EXT.has(ext) && !tsImport) {
    throw new CliError(
      `loading ${entry} needs tsx: run \`npm install --save-dev tsx\`, or compile it to .js first`,
      EXIT.usage,
    );
  }
  try {
    if (tsImport) {
      // A namespaced import: every call loads a fresh copy of the entry and its local imports.
      mod = await tsImport(url, {
        parentURL: import.meta.url,
        onImport: (u) => {
          if (u.startsWith('file:') && !u.includes('/node_modules/')) files.push(new URL(u).pathname);
        },
      });
    } else {
      mod = await import(fresh ? `${url}?reload=${Date.now()}` : url);
    }
  } catch (err) {
    throw new CliError(`cannot load ${entry}: ${describeLoadError(err, file, Boolean(tsImport))}`);
  }
  const m = mod as { default?: unknown; bot?: unknown };
  let candidate = m.default ?? m.bot;
  // `export default createBot()` through tsx's CJS interop can arrive as { default: bot }.
  if (!isBot(candidate) && isBot((candidate as { default?: unknown } | undefined)?.default))
    candidate = (candidate as { default: unknown }).default;
  if (typeof candidate === 'function' && !isBot(candidate)) candidate = await (candidate as () => unknown)();
  if (!isBot(candidate)) {
    throw new CliError(
      `${entry} must default-export a bot: \`export default createBot().text('hi', () => 'hello')\``,
      EXIT.usage,
    );
  }
  return { bot: candidate, files: files.length ? files : [file] };
}

/**
 * The reason a module did not load, with file:line:column for a syntax error. Node's import gives
 * a SyntaxError no location (only an uncaught one is printed with it), so `node --check` is asked
 * for it; tsx (esbuild) puts `file:line:column: ERROR: …` in its message already, but for plain
 * JavaScript (an .mjs reloaded by --watch) its lexer says only `Parse error <file>:1:1`.
 */
function describeLoadError(err: unknown, file: string, viaTsx: boolean): string {
  const message = (err as Error)?.message ?? String(err);
  const missing = /^Cannot find package '([^']+)'/.exec(message);
  if (missing) return missingPackage(missing[1]!, file);
  // esbuild counts columns from 0, editors and Node from 1.
  const esbuild = /^(\/[^\n]*?:\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild) return `${esbuild[1]}:${Number(esbuild[2]) + 1}: ${esbuild[3]}`;
  if (/^Parse error /.test(message) && !TS_EXT.has(extname(file))) {
    const found = checkSyntax(file);
    return found ? `${found.at}: ${found.message}` : message;
  }
  if ((err as Error)?.name !== 'SyntaxError' || viaTsx) return message;
  const found = checkSyntax(file);
  return found ? `${found.at}: ${message}` : message;
}

/** The first syntax error `node --check` finds in `file`: where (file:line:column) and what, if any. */
function checkSyntax(file: string): { at: string; message: string } | undefined {
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  // `<file>:<line>\n<source line>\n<spaces and carets>\n\nSyntaxError: …`
  const stderr = r.stderr ?? '';
  const m = /^(.*):(\d+)\n(.*)\n( *)\^/m.exec(stderr);
  if (!m) return undefined;
  const what = /^SyntaxError: (.*)$/m.exec(stderr)?.[1] ?? 'syntax error';
  return { at: `${m[1]}:${m[2]}:${m[4]!.length + 1}`, message: what };
}

/**
 * A package the bot imports is not installed: most often a project made by `wxbot init` (or cloned)
 * before its `npm install`. Says which command installs it, and where.
 */
function missingPackage(name: string, file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      let listed = false;
      try {
        const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, string> | undefined>;
        listed = Boolean(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]);
      } catch {
        // an unreadable package.json: the general advice below
      }
      return listed
        ? `package '${name}' is not installed: run \`npm install\` in ${dir} (its package.json lists it)`
        : `package '${name}' is not installed: run \`npm install ${name}\` in ${dir}`;
    }
    if (dirname(dir) === dir) return `package '${name}' is not installed: run \`npm install ${name}\` next to ${file}`;
  }
}
