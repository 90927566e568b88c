/**
 * Runs conversation files: finds them (files, directories, or the default test/ and tests/), parses
 * them all before sending anything, runs each conversation, and with `update` rewrites the exact
 * texts that no longer match. Callable from any test framework (see assertConvo).
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Bot } from '../bot/bot.js';
import { WxbotError } from '../protocol/errors.js';
import type { MediaReplies } from '../wechat-api/media-cache.js';
import { type Conversation, ConvoSyntaxError, parseConvo } from './convo-parse.js';
import {
  type ConversationResult,
  ConvoNetworkError,
  type RunConversationOptions,
  runConversation,
} from './run-convo.js';
import { httpTarget, inProcessTarget, type Target } from './targets.js';
import { applyUpdates, type TurnUpdate } from './update.js';

/** Where conversation files are looked for when none are named. */
export const DEFAULT_CONVO_DIRS = ['test', 'tests'];

/** A usage or file problem: a missing path, no files, a bad line (with file:line in the message). */
export class ConvoFileError extends WxbotError {
  constructor(message: string) {
    super('CONVO_FILE', message);
    this.name = 'ConvoFileError';
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.convo')) out.push(p);
  }
  return out;
}

/** The `.convo` files named, or under the directories named (default test/ and tests/), sorted. */
export async function findConvoFiles(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  const named = paths.length > 0;
  for (const p of named ? paths : DEFAULT_CONVO_DIRS) {
    const abs = resolve(cwd, p);
    const s = await stat(abs).catch(() => undefined);
    if (!s) {
      if (named) throw new ConvoFileError(`${p}: no such file or directory`);
      continue;
    }
    if (s.isDirectory()) for (const f of await walk(abs)) found.add(f);
    else found.add(abs);
  }
  if (found.size === 0) {
    throw new ConvoFileError(
      named
        ? `no .convo files in ${paths.join(', ')}`
        : 'no .convo files in test/ or tests/: write one (see tests/hello.convo of `wxbot init`) or name the files',
    );
  }
  return [...found].sort().map((f) => relative(cwd, f) || f);
}

/** Parses every file; all syntax errors of all files at once, so one run shows them all. */
export async function loadConvoFiles(files: readonly string[], cwd = process.cwd()): Promise<Conversation[]> {
  const all: Conversation[] = [];
  const errors: string[] = [];
  for (const f of files) {
    try {
      all.push(...parseConvo(await readFile(resolve(cwd, f), 'utf8'), f));
    } catch (err) {
      if (err instanceof ConvoSyntaxError) errors.push(err.message);
      else errors.push(`${f}: ${(err as Error).message}`);
    }
  }
  if (errors.length) throw new ConvoFileError(errors.join('\n'));
  return all;
}

export interface RunConvoOptions extends RunConversationOptions {
  /** The bot, run in this process through the handler `wxbot serve` uses. */
  bot?: Bot;
  /** Or a server's WeChat URL, for a bot in any language. */
  url?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  /** In-process: media ids for replies from files, URLs or buffers (default: local placeholders, see InProcessOptions). */
  media?: MediaReplies;
  /** Deadline per push over HTTP (default 5 s). */
  timeoutMs?: number;
  /** Rewrite failing exact-text expectations with the actual replies. */
  update?: boolean;
  cwd?: string;
  /** Told about each conversation as soon as it has run (for live output). */
  onConversation?: (r: ConversationResult) => void;
}

export interface ConvoRunReport {
  ok: boolean;
  conversations: ConversationResult[];
  /** The server could not be reached (the run stopped there). */
  unreachable?: { message: string; file: string; line: number };
  /** Expectations rewritten by `update`, per file. */
  updated: { file: string; turns: number }[];
  ms: number;
}

function targetFor(o: RunConvoOptions): Target {
  if (o.url) {
    if (!o.token) throw new ConvoFileError('a Token is needed to sign pushes to a server (--token or WECHAT_TOKEN)');
    return httpTarget({ url: o.url, token: o.token, aesKey: o.aesKey, appId: o.appId, timeoutMs: o.timeoutMs });
  }
  if (!o.bot) throw new ConvoFileError('nothing to test: pass a bot (in-process) or a url');
  return inProcessTarget(o.bot, { token: o.token, aesKey: o.aesKey, appId: o.appId, media: o.media });
}

/** Over HTTP, what a file asks for must be possible before anything is sent. */
function checkForHttp(conversations: Conversation[], o: RunConvoOptions): void {
  const problems: string[] = [];
  for (const c of conversations) {
    if (c.clock !== undefined)
      problems.push(`${c.file}:${c.line}: @clock needs the bot in this process (--bot, not --url)`);
    for (const t of c.turns) {
      const mode = t.mode ?? o.mode ?? 'plain';
      if (mode !== 'plain' && (!o.aesKey || !o.appId))
        problems.push(`${c.file}:${t.line}: ${mode} mode needs the EncodingAESKey and AppID (--aes-key, --app-id)`);
    }
  }
  if (problems.length) throw new ConvoFileError([...new Set(problems)].join('\n'));
}

/** Runs already parsed conversations (files are only written for `update`). */
export async function runConversations(conversations: Conversation[], o: RunConvoOptions): Promise<ConvoRunReport> {
  const start = performance.now();
  const target = targetFor(o);
  if (!target.inProcess) checkForHttp(conversations, o);
  const report: ConvoRunReport = { ok: true, conversations: [], updated: [], ms: 0 };
  for (const c of conversations) {
    let r: ConversationResult;
    try {
      r = await runConversation(c, target, o);
    } catch (err) {
      if (!(err instanceof ConvoNetworkError)) throw err;
      report.unreachable = { message: err.message, file: err.file, line: err.line };
      report.ok = false;
      break;
    }
    report.conversations.push(r);
    o.onConversation?.(r);
  }
  if (o.update) report.updated = await update(report.conversations, o.cwd);
  report.ok = !report.unreachable && report.conversations.every((c) => c.ok);
  report.ms = Math.round(performance.now() - start);
  return report;
}

/** Finds, parses and runs conversation files. Throws ConvoFileError for usage and file problems. */
export async function runConvoFiles(paths: readonly string[], o: RunConvoOptions): Promise<ConvoRunReport> {
  const cwd = o.cwd ?? process.cwd();
  const files = await findConvoFiles(paths, cwd);
  return runConversations(await loadConvoFiles(files, cwd), { ...o, cwd });
}

// A turn can be rewritten when only the text differs: a rejected reply is a bug, not a new snapshot.
async function update(results: ConversationResult[], cwd = process.cwd()): Promise<{ file: string; turns: number }[]> {
  const byFile = new Map<string, TurnUpdate[]>();
  for (const c of results) {
    for (const t of c.turns) {
      if (t.ok || t.failure !== 'mismatch' || !t.exact || t.problems.length || t.actual.length === 0) continue;
      const list = byFile.get(c.file) ?? [];
      list.push({ from: t.exact.from, to: t.exact.to, lines: t.actual });
      byFile.set(c.file, list);
      t.ok = true;
      t.updated = true;
    }
    c.ok = c.turns.every((t) => t.ok);
  }
  const out: { file: string; turns: number }[] = [];
  for (const [file, updates] of byFile) {
    const path = resolve(cwd, file);
    await writeFile(path, applyUpdates(await readFile(path, 'utf8'), updates));
    out.push({ file, turns: updates.length });
  }
  return out;
}
