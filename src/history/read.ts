/** Reading the history file: which lines are entries (each field checked), and what is wrong with the others. */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { unreadableReason } from '../config/errors.js';
import type { HistoryEntry } from './entry.js';

/** A line of the file that is not a usable entry: where, which entry (when its id is readable) and why. */
export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  id?: number;
  /** What is wrong, naming the field: `"status" is not a number`. */
  problem: string;
}

type Check = [field: string, ok: (v: unknown) => boolean, want: string];
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const optional = (ok: (v: unknown) => boolean) => (v: unknown) => v === undefined || ok(v);
const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

// Every field something reads (the list, `history <id>`, `replay`), with the type it must have.
const CHECKS: Check[] = [
  ['id', (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a whole number above 0'],
  ['at', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'an ISO date'],
  ['method', isString, 'a string'],
  ['path', isString, 'a string'],
  ['query', (v) => isObject(v) && Object.values(v as object).every(isString), 'an object of strings'],
  ['body', isString, 'a string'],
  ['mode', isString, 'a string'],
  ['message', (v) => v === null || isObject(v), 'an object or null'],
  ['status', isNumber, 'a number'],
  ['reply', (v) => v === null || isString(v), 'a string or null'],
  ['latencyMs', isNumber, 'a number'],
  ['msgType', optional(isString), 'a string'],
  ['event', optional(isString), 'a string'],
  ['from', optional(isString), 'a string'],
  ['content', optional(isString), 'a string'],
  ['server', optional(isString), 'a string'],
  ['error', optional(isString), 'a string'],
];

/** What is wrong with a parsed line as a history entry, naming the field; undefined when nothing is. */
export function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'not a JSON object';
  const o = e as Record<string, unknown>;
  for (const [field, ok, want] of CHECKS) {
    if (!ok(o[field])) return o[field] === undefined ? `"${field}" is missing` : `"${field}" is not ${want}`;
  }
  return undefined;
}

/** An entry with its NDJSON line, serialised once (when recorded, or as read from the file). */
export interface Kept {
  entry: HistoryEntry;
  line: string;
}

// Lines that are not entries are skipped (and listed in `skipped` when given): a hand edit or a
// foreign file must not break listing.
export function parseKept(text: string, skipped?: SkippedLine[]): Kept[] {
  const out: Kept[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      skipped?.push({ line: i + 1, problem: 'not JSON' });
      continue;
    }
    const problem = entryProblem(e);
    if (problem === undefined) out.push({ entry: e as HistoryEntry, line });
    else if (skipped) {
      const id = (e as { id?: unknown } | null)?.id;
      skipped.push({ line: i + 1, ...(Number.isSafeInteger(id) ? { id: id as number } : {}), problem });
    }
  }
  return out;
}

/** Why a history file could not be read at all (not there is not an error: it is empty). */
export class HistoryReadError extends Error {
  readonly path: string;
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot read the history ${path}: ${reason}`, options);
    this.name = 'HistoryReadError';
    this.path = path;
  }
}

/**
 * The history file for a reader (`wxbot history`, `wxbot replay`): its entries, and the lines that
 * are not entries with what is wrong with each. A missing file is an empty history; a file that
 * cannot be read (a directory in its place, no permission) is a HistoryReadError with its path.
 */
export async function readHistoryReport(path: string): Promise<{ entries: HistoryEntry[]; skipped: SkippedLine[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { entries: [], skipped: [] };
    const reason = unreadableReason(e);
    throw new HistoryReadError(path, reason, { cause: err });
  }
  const skipped: SkippedLine[] = [];
  const entries = parseKept(text, skipped).map((k) => k.entry);
  return { entries, skipped };
}

/** Parses NDJSON, skipping lines that are not entries. */
export function parseHistory(text: string): HistoryEntry[] {
  return parseKept(text).map((k) => k.entry);
}

export async function readKept(path: string): Promise<Kept[]> {
  try {
    return parseKept(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export function readKeptSync(path: string): Kept[] {
  try {
    return parseKept(readFileSync(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Reads the history file; a missing file is an empty history. */
export async function readHistory(path: string): Promise<HistoryEntry[]> {
  return (await readKept(path)).map((k) => k.entry);
}
