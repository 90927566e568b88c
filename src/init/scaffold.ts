import { chmod, lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WxbotError } from '../protocol/errors.js';
import { generateEncodingAESKey, generateToken } from '../protocol/crypto.js';
import {
  botModule,
  envFile,
  gitignore,
  helloConvo,
  packageJson,
  PLACEHOLDER_APP_ID,
  readme,
  type TemplateInput,
} from './templates.js';

export class InitError extends WxbotError {
  /**
   * The paths in the way (relative to the project, or absolute for the project directory or a parent):
   * `EXISTS`, files `--force` may overwrite; `BLOCKED`, paths of the wrong kind (a file where a
   * directory is needed, a directory or a dangling symlink where a file goes).
   */
  readonly files: string[];
  constructor(code: 'EXISTS' | 'BLOCKED', message: string, files: string[]) {
    super(code, message);
    this.name = 'InitError';
    this.files = files;
  }
}

export interface ScaffoldOptions {
  /** Overwrite files that already exist. */
  force?: boolean;
  /** npm name; default: derived from the directory name. */
  name?: string;
  /** The wxbot dependency for package.json: a version range, or a `file:` spec. */
  wxbotSpec: string;
  /** Injectable for tests; fresh random ones by default. */
  token?: string;
  encodingAESKey?: string;
  /** 开发者ID(AppID); default a placeholder the user replaces. */
  appId?: string;
}

export interface ScaffoldResult {
  dir: string;
  name: string;
  entry: string;
  files: { path: string; overwritten: boolean }[];
  token: string;
  encodingAESKey: string;
}

/** npm names are lower case, URL-safe, at most 214 chars. */
export function packageNameFor(dir: string): string {
  const n = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '')
    .slice(0, 214);
  return n || 'wechat-bot';
}

type Kind = 'none' | 'file' | 'dir' | 'dangling';

/** What is at `path`; a symlink counts as what it points to, or `dangling` when that is missing. */
async function kindOf(path: string): Promise<Kind> {
  const missing = (e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  };
  if (!(await lstat(path).catch(missing))) return 'none';
  const target = await stat(path).catch(missing);
  if (!target) return 'dangling';
  return target.isDirectory() ? 'dir' : 'file';
}

const KIND_NAME: Record<Kind, string> = {
  none: 'missing',
  file: 'a file',
  dir: 'a directory',
  dangling: 'a symbolic link to a missing path',
};

/**
 * Every path init creates that holds something --force cannot overwrite: the project directory (or the
 * nearest existing parent of a new one) and `tests/` must be directories; the files must not be
 * directories, nor dangling symlinks (writing through one would create a file outside the project).
 */
async function blockers(root: string, names: string[]): Promise<{ path: string; problem: string }[]> {
  let dir = root;
  let kind = await kindOf(dir);
  while (kind === 'none' && dirname(dir) !== dir) {
    dir = dirname(dir);
    kind = await kindOf(dir);
  }
  if (kind !== 'dir') {
    return [{ path: dir, problem: `${dir === root ? 'it' : dir} is ${KIND_NAME[kind]}, not a directory` }];
  }
  const found: { path: string; problem: string }[] = [];
  const subdirs = new Set(names.map((n) => dirname(n)).filter((d) => d !== '.'));
  for (const d of subdirs) {
    const k = await kindOf(join(root, d));
    if (k !== 'none' && k !== 'dir')
      found.push({ path: d, problem: `${d} is ${KIND_NAME[k]}, where init needs a directory` });
  }
  for (const name of names) {
    const k = await kindOf(join(root, name));
    if (k === 'dir' || k === 'dangling') {
      found.push({ path: name, problem: `${name} is ${KIND_NAME[k]}, where init writes a file` });
    }
  }
  return found;
}

/**
 * Writes a runnable bot project into `dir`. Checks every path it creates first (directories and
 * files), so a refusal leaves the directory untouched; `.env` is written owner-only because it holds the Token and key.
 */
export async function scaffoldProject(dir: string, options: ScaffoldOptions): Promise<ScaffoldResult> {
  const root = resolve(dir);
  const entry = 'bot.mjs';
  const t: TemplateInput = {
    name: options.name ?? packageNameFor(root),
    wxbotSpec: options.wxbotSpec,
    token: options.token ?? generateToken(),
    encodingAESKey: options.encodingAESKey ?? generateEncodingAESKey(),
    appId: options.appId ?? PLACEHOLDER_APP_ID,
    entry,
  };
  const files: [string, string, number][] = [
    ['package.json', packageJson(t), 0o644],
    [entry, botModule(), 0o644],
    ['.env', envFile(t), 0o600],
    ['.gitignore', gitignore(), 0o644],
    ['README.md', readme(t), 0o644],
    ['tests/hello.convo', helloConvo(), 0o644],
  ];
  const names = files.map(([name]) => name);
  const blocked = await blockers(root, names);
  if (blocked.length) {
    const problems = blocked.map((b) => b.problem).join('; ');
    throw new InitError(
      'BLOCKED',
      `cannot create the project in ${root}: ${problems}`,
      blocked.map((b) => b.path),
    );
  }
  const present: string[] = [];
  for (const name of names) if ((await kindOf(join(root, name))) === 'file') present.push(name);
  if (present.length && !options.force) {
    throw new InitError('EXISTS', `${root} already has ${present.join(', ')}`, present);
  }
  await mkdir(root, { recursive: true });
  for (const [name, text, mode] of files) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), text, { mode, flag: options.force ? 'w' : 'wx' });
    // `mode` only applies to new files: an overwritten .env must not keep looser permissions.
    if (mode === 0o600) await chmod(join(root, name), mode);
  }
  return {
    dir: root,
    name: t.name,
    entry,
    files: files.map(([name]) => ({ path: name, overwritten: present.includes(name) })),
    token: t.token,
    encodingAESKey: t.encodingAESKey,
  };
}
