/**
 * The `> [kind args…]` lines of a conversation file, read in both directions: a line becomes a
 * message when a test runs; a recorded message becomes a line when `history --convo` or
 * `simulate --save` writes one. The kinds are the table of src/simulate/kinds.ts.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { LINE_KIND_NAMES, lineWordsOf, readKindWords } from '../simulate/kind-line.js';
import { nonEmptyText } from '../simulate/kinds.js';
import * as m from '../simulate/messages.js';

/** Every word that may open a `> [ ]` line, for error messages: the kinds (src/simulate/kinds.ts) and `wait`. */
export const SEND_KIND_NAMES = [...LINE_KIND_NAMES, 'wait'];

/** What a `> […]` line asks for: a message to send, or time to let pass. */
export type SendStep = { kind: 'message'; build: (u: m.SimulatedUser) => WechatMessage } | { kind: 'wait'; ms: number };

/** A `> text` line's step; a blank text is refused now, so the error gets its line number. */
export function textStep(content: string): SendStep {
  nonEmptyText(content, m, {});
  return { kind: 'message', build: (u) => nonEmptyText(content, m, u) };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `25h`, `2d`, `1500ms`, or bare seconds. */
export function parseDuration(s: string): number {
  const r = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)?$/.exec(s.trim());
  if (!r) throw new Error(`a duration is a number with ms, s, m, h or d (e.g. 25h), got "${s}"`);
  return Math.round(Number(r[1]) * UNITS[r[2] ?? 's']!);
}

/**
 * Reads what is inside the brackets of `> [kind args… --flag value]`: `[wait DURATION]`, or a kind
 * with the words and options of its `wxbot simulate` subcommand (readKindWords). Throws an Error
 * whose message is meant for the user.
 */
export function parseSendKind(inner: string): SendStep {
  const words = inner.trim().split(/\s+/).filter(Boolean);
  if ((words[0] ?? '').toLowerCase() === 'wait') {
    if (words.length !== 2) throw new Error('usage: [wait DURATION], e.g. [wait 25h]');
    return { kind: 'wait', ms: parseDuration(words[1]!) };
  }
  const send = readKindWords(words, m);
  return { kind: 'message', build: (u) => send.build(m, u) };
}

/** The text after `> ` for a message: its Content for text, else the bracketed form (`[location 39.9 116.4 天安门]`). */
export function messageLine(msg: WechatMessage): string {
  const content = (msg as { Content?: unknown }).Content;
  if (msg.MsgType === 'text') return escapeSendText(String(content ?? ''));
  const words = lineWordsOf(msg);
  return words ? `[${words.join(' ')}]` : `[text ${String(content ?? '')}]`;
}

/**
 * A text to send, as written after `> `: a backslash keeps a leading `[` or `\` literal, and a
 * newline (WeChat text can hold several lines) is written `\n`.
 */
export function escapeSendText(text: string): string {
  const body = text.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
  return body.startsWith('[') ? `\\${body}` : body;
}

/** The inverse of escapeSendText. */
export function unescapeSendText(written: string): string {
  const s = written.startsWith('\\[') ? written.slice(1) : written;
  return s.replace(/\\(\\|n)/g, (_all, c: string) => (c === 'n' ? '\n' : '\\'));
}
