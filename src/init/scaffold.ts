import { access, chmod, mkdir, writeFile } from 'node:fs/promises';
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
  /** The files that are in the way (for `EXISTS`). */
  readonly files: string[];
  constructor(code: 'EXISTS', message: string, files: string[]) {
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

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a runnable bot project into `dir`. Checks every target first, so a refusal leaves the
 * directory untouched; `.env` is written owner-only because it holds the Token and key.
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
  const present: string[] = [];
  for (const [name] of files) if (await exists(join(root, name))) present.push(name);
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
