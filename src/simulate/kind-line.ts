/**
 * A line that sends a kind of src/simulate/kinds.ts: `/location 23.13 113.35 广州塔` in the chat,
 * `> [location 23.13 113.35 广州塔]` in a conversation file. The kind's name (or `event <name>`, as
 * the subcommand is typed), its arguments, the words that fill its `words` option, and the
 * subcommand's `--flag value` options anywhere.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { editDistance } from './edit-distance.js';
import { type Field, KindInputError, type KindOptions, optionKey, SEND_KINDS, type SendKind } from './kinds.js';
import type * as Messages from './messages.js';

/** `--media-id <id>` → `media-id`. */
const flagName = (flags: string): string => /--([a-z][a-z0-9-]*)/.exec(flags)![1]!;

/** The keys a kind's option values are filed under (`mediaId`, `label`). */
export const optionKeysOf = (k: SendKind): string[] => (k.options ?? []).map(([flags]) => optionKey(flagName(flags)));

/** The name a line uses for a kind. */
const lineNameOf = (k: SendKind): string => k.lineName ?? k.name;

const BY_LINE_NAME = new Map(SEND_KINDS.map((k) => [lineNameOf(k), k]));
const EVENT_BY_NAME = new Map(
  SEND_KINDS.filter((k) => k.event).flatMap((k) => [k.name, ...(k.aliases ?? [])].map((n) => [n.toLowerCase(), k])),
);

/** Every name a line may open with, in the table's order. */
export const LINE_KIND_NAMES: readonly string[] = SEND_KINDS.map(lineNameOf);

/**
 * The kind a line's words name, and where its own words start: `location …` by its line name (in
 * any case), or `event click …` as the subcommand is typed (`event <name>` that is no event kind is
 * a custom event: `event kf_create_session KfAccount=a@b`).
 */
export function findLineKind(words: readonly string[]): { kind: SendKind; from: number } | undefined {
  const first = (words[0] ?? '').toLowerCase();
  const event = first === 'event' && words.length > 1 ? EVENT_BY_NAME.get(words[1]!.toLowerCase()) : undefined;
  if (event) return { kind: event, from: 2 };
  const kind = BY_LINE_NAME.get(first);
  return kind && { kind, from: 1 };
}

/** A kind's positional arguments: their names (`lat`, `lng`), how many are required, whether the last takes the rest. */
export interface ArgSpec {
  names: string[];
  required: number;
  variadic: boolean;
}

export function argSpec(k: SendKind): ArgSpec {
  const tokens = k.args.split(/\s+/).filter(Boolean);
  return {
    names: tokens.map((t) => t.replace(/[<>[\].]/g, '')),
    required: tokens.filter((t) => t.startsWith('<')).length,
    variadic: tokens.some((t) => t.endsWith('...>') || t.endsWith('...]')),
  };
}

const placeholder = (flags: string): string => (/<([^>]+)>/.exec(flags)?.[1] ?? 'value').toUpperCase();

/**
 * How a line writes a kind, between `open` and `close` (`[`…`]` in a conversation file, `/`…`` in
 * the chat): `[location LAT LNG label… --scale ZOOM]`; without its options when `options` is false.
 */
export function lineUsage(k: SendKind, open = '[', close = ']', options = true): string {
  const spec = argSpec(k);
  const args = spec.names.map((n, i) => (spec.variadic && i === spec.names.length - 1 ? `${n}…` : n.toUpperCase()));
  const parts = [lineNameOf(k), ...args];
  if (k.words) parts.push(`${k.words}…`);
  for (const [flags] of options ? (k.options ?? []) : []) {
    const name = flagName(flags);
    if (name !== k.words) parts.push(`--${name} ${placeholder(flags)}`);
  }
  return `${open}${parts.join(' ')}${close}`;
}

/** A kind's help for a line: how it is written, its options, an example (`/location --help` in the chat). */
export function lineHelp(k: SendKind, open = '[', close = ']'): string {
  const out = [`${lineUsage(k, open, close, false)}   ${k.summary}`];
  const args = argSpec(k).names.map((n) => n.toUpperCase());
  const after = args.length > 0 ? args.join(' ') : `${open}${lineNameOf(k)}`;
  for (const [flags, description] of k.options ?? []) {
    const name = flagName(flags);
    const words = name === k.words ? ` (or the words after ${after})` : '';
    out.push(`  ${`--${name} ${placeholder(flags)}`.padEnd(24)} ${description}${words}`);
  }
  out.push(`e.g. ${open}${k.example}${close}`);
  return out.join('\n');
}

/** The flag meant by a mistyped one (`--lable` → `label`), if one is that close. */
const closest = (flag: string, taken: readonly string[]): string | undefined =>
  taken.find((t) => editDistance(flag.toLowerCase(), t) <= (t.length > 4 ? 2 : 1));

/** The `Field` reader of a message (kinds.ts). */
function fieldOf(msg: WechatMessage): Field {
  return (name) => {
    let v: unknown = msg;
    for (const part of name.split('.'))
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || v === null || typeof v === 'object' ? '' : String(v);
  };
}

/**
 * The words of a line that sends `msg` again (`['location', '39.9', '116.4', '天安门']`), the inverse
 * of readKindWords; undefined for a MsgType no kind sends. An event no kind names is a custom event.
 */
export function lineWordsOf(msg: WechatMessage): string[] | undefined {
  const f = fieldOf(msg);
  const kind =
    msg.MsgType === 'event'
      ? (EVENT_BY_NAME.get(f('Event').toLowerCase()) ?? EVENT_BY_NAME.get('custom')!)
      : SEND_KINDS.find((k) => !k.event && k.name === msg.MsgType);
  return kind && [lineNameOf(kind), ...kind.recorded(f, msg).filter((w) => w !== '')];
}

/** What a line sends, for the user who sends it. */
export interface LineSend {
  build(m: typeof Messages, u: Messages.SimulatedUser): WechatMessage;
}

/**
 * Reads the words of a line that sends a kind (findLineKind): its arguments, then the words its
 * `words` option takes, and `--flag value` options anywhere (the subcommand's options). Throws
 * KindInputError, in words meant for the user, for an unknown kind, a missing argument, an option
 * the kind does not take, or a value no WeChat client would send (checked now, so an error in a
 * file names its line). `open`/`close` are how messages write the kind: `[click]`, or `/click`.
 */
export function readKindWords(words: readonly string[], m: typeof Messages, open = '[', close = ']'): LineSend {
  const found = findLineKind(words);
  if (!found)
    throw new KindInputError(
      `unknown kind "${open}${words[0] ?? ''}${close}": use one of ${LINE_KIND_NAMES.map((n) => `${open}${n}${close}`).join(', ')}`,
    );
  const { kind } = found;
  const tag = `${open}${lineNameOf(kind)}${close}`;
  const usage = ` (usage: ${lineUsage(kind, open, close)})`;
  const taken = (kind.options ?? []).map(([flags]) => flagName(flags));
  const positional: string[] = [];
  const options: KindOptions = {};
  for (let i = found.from; i < words.length; i++) {
    // A kind without options keeps such words: a menu key may start with dashes.
    const flag = taken.length === 0 ? undefined : /^--([a-z][a-z0-9-]*)$/i.exec(words[i]!)?.[1];
    if (flag === undefined) positional.push(words[i]!);
    else if (!taken.includes(flag)) {
      const meant = closest(flag, taken);
      const takes = taken.map((o) => `--${o}`).join(', ');
      throw new KindInputError(`${tag} takes ${takes}, not --${flag}${meant ? ` (did you mean --${meant}?)` : usage}`);
    } else if (i + 1 >= words.length) throw new KindInputError(`${tag}: --${flag} needs a value${usage}`);
    else options[optionKey(flag)] = words[++i];
  }
  const spec = argSpec(kind);
  if (positional.length < spec.required) {
    const missing = spec.names.slice(positional.length, spec.required).map((n) => n.toUpperCase());
    throw new KindInputError(`${tag} needs ${missing.join(' ')}${usage}`);
  }
  const args = spec.variadic ? positional : positional.slice(0, spec.names.length);
  const rest = spec.variadic ? [] : positional.slice(spec.names.length);
  if (rest.length > 0) {
    if (!kind.words) throw new KindInputError(`${tag} takes no more words, got "${rest.join(' ')}"${usage}`);
    const key = optionKey(kind.words);
    if (options[key] !== undefined)
      throw new KindInputError(`${tag}: the ${kind.words} is given twice: as words and as --${kind.words}`);
    options[key] = rest.join(' ');
  }
  kind.build(m, args, options, {});
  return { build: (msgs, u) => kind.build(msgs, args, options, u) };
}
