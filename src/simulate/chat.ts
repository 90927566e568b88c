/**
 * The interactive chat of `wxbot simulate`: one fake user typing into the account. Plain lines
 * are text messages; slash commands send the other kinds. The CLI only reads lines and renders.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { SimulateError } from './errors.js';
import { findLineKind, lineHelp, lineUsage, readKindWords } from './kind-line.js';
import { KindInputError, SEND_KINDS, type SendKind } from './kinds.js';
import * as messages from './messages.js';
import type { SimulatedUser } from './messages.js';
import { cipherFor, type SimulateSettings } from './push.js';
import { sendMessage, type SimulateResult } from './send.js';

export type SimulatorCommand =
  | { kind: 'send'; build: (s: SimulatedUser) => WechatMessage }
  /** `text` for one kind's help (`/location --help`); without it, SIMULATOR_HELP. */
  | { kind: 'help'; text?: string }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'error'; message: string }
  | { kind: 'unknown'; command: string };

const helpLine = (left: string, what: string) => `${left.padEnd(36)} ${what}`;
const kindLines = (kinds: readonly SendKind[]) => kinds.map((k) => helpLine(lineUsage(k, '/', '', false), k.summary));

/** One line per command, for /help: every kind of src/simulate/kinds.ts, as a line writes it. */
export const SIMULATOR_HELP = [
  helpLine('just type', 'send a text message (start with // to send text beginning with /)'),
  ...kindLines(SEND_KINDS.filter((k) => k.name !== 'text')),
  helpLine('/help', 'this list'),
  helpLine('/quit', 'leave (Ctrl-D too)'),
  'Each line takes the options of its `wxbot simulate` subcommand (/image URL --media-id ID), and',
  'events are typed as subcommands too (/event click KEY). /location --help shows one in full.',
].join('\n');

/** Splits a line like a shell would, for quotes: `/link https://x --title "Two words"`. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/**
 * Parses one typed line: plain text, or `/kind words… --option value` with the words and options
 * of the `wxbot simulate` subcommand of that kind (`/location 23.13 113.35 广州塔 --scale 16`,
 * `/event scancode_waitmsg KEY --scan-result "two words"`).
 */
export function parseSimulatorLine(line: string): SimulatorCommand {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('//')) return { kind: 'send', build: (s) => messages.textMessage(trimmed.slice(1), s) };
  if (!trimmed.startsWith('/'))
    return { kind: 'send', build: (s) => messages.textMessage(line.replace(/[\r\n]+$/, ''), s) };
  const words = splitWords(trimmed.slice(1));
  const cmd = (words[0] ?? '').toLowerCase();
  if (cmd === 'help' || cmd === '?') return { kind: 'help' };
  if (cmd === 'quit' || cmd === 'exit') return { kind: 'quit' };
  const asksHelp = words.includes('--help') || words.includes('-h');
  if (cmd === 'event' && asksHelp && words.length === 2)
    return { kind: 'help', text: kindLines(SEND_KINDS.filter((k) => k.event)).join('\n') };
  const found = findLineKind(words);
  if (!found) return { kind: 'unknown', command: `/${words[0] ?? ''}` };
  if (asksHelp) return { kind: 'help', text: lineHelp(found.kind, '/', '') };
  try {
    const send = readKindWords(words, messages, '/', '');
    return { kind: 'send', build: (s) => send.build(messages, s) };
  } catch (err) {
    if (err instanceof KindInputError) return { kind: 'error', message: err.message };
    throw err;
  }
}

export interface SimulatorChatOptions {
  url: string;
  settings: SimulateSettings;
  from?: string;
  to?: string;
  timeoutMs?: number;
  retry?: boolean;
}

/** What one typed line led to. */
export type SimulatorTurn =
  | { kind: 'help'; text: string }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'error'; message: string }
  | { kind: 'sent'; message: WechatMessage; result: SimulateResult }
  | { kind: 'unreachable'; message: WechatMessage; error: string };

export class SimulatorChat {
  readonly stats = { sent: 0, withProblems: 0, unreachable: 0 };
  readonly #o: SimulatorChatOptions;

  /** Throws SIMULATE_CONFIG up front, not at the first message. */
  constructor(o: SimulatorChatOptions) {
    cipherFor(o.settings);
    if (!o.settings.token)
      throw new SimulateError('SIMULATE_CONFIG', 'a Token is needed to sign requests (--token or WECHAT_TOKEN)');
    this.#o = o;
  }

  /** Sends what one typed line asks for (parseSimulatorLine). */
  async handle(line: string): Promise<SimulatorTurn> {
    const cmd = parseSimulatorLine(line);
    if (cmd.kind === 'unknown')
      return { kind: 'error', message: `unknown command ${cmd.command}; /help lists the commands` };
    if (cmd.kind === 'help') return { kind: 'help', text: cmd.text ?? SIMULATOR_HELP };
    if (cmd.kind !== 'send') return cmd;
    const message = cmd.build({ from: this.#o.from, to: this.#o.to });
    this.stats.sent++;
    try {
      const result = await sendMessage({
        url: this.#o.url,
        message,
        settings: this.#o.settings,
        timeoutMs: this.#o.timeoutMs,
        retry: this.#o.retry,
      });
      if (result.problems.length > 0) this.stats.withProblems++;
      return { kind: 'sent', message, result };
    } catch (err) {
      if (!(err instanceof SimulateError) || err.code !== 'SIMULATE_NETWORK') throw err;
      this.stats.unreachable++;
      return { kind: 'unreachable', message, error: err.message };
    }
  }
}
