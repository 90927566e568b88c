/**
 * The interactive chat of `wxbot simulate`: one fake user typing into the account. Plain lines
 * are text messages; slash commands send the other kinds. The CLI only reads lines and renders.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { SimulateError } from './errors.js';
import {
  clickEvent,
  imageMessage,
  linkMessage,
  locationMessage,
  scanEvent,
  subscribeEvent,
  textMessage,
  unsubscribeEvent,
  videoMessage,
  viewEvent,
  voiceMessage,
  type SimulatedUser,
} from './messages.js';
import { cipherFor, type SimulateSettings } from './push.js';
import { sendMessage, type SimulateResult } from './send.js';

export type SimulatorCommand =
  | { kind: 'send'; build: (s: SimulatedUser) => WechatMessage }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'error'; message: string }
  /** A slash command this parser does not know; a caller may know it (the CLI maps every subcommand). */
  | { kind: 'unknown'; command: string };

/** One line per command, for /help. */
export const SIMULATOR_HELP = [
  'just type           send a text message (start with // to send text beginning with /)',
  '/image URL          send a picture',
  '/voice TEXT         send a voice message whose speech recognition is TEXT',
  '/video              send a video',
  '/location LAT LNG LABEL   send a location',
  '/link URL [TITLE]   send a link',
  '/subscribe [SCENE]  follow the account (through a QR code when SCENE is given)',
  '/unsubscribe        unfollow',
  '/scan SCENE         scan a parametric QR code while following',
  '/click KEY          tap a menu button',
  '/view URL           tap a menu link',
  '/help               this list',
  '/quit               leave (Ctrl-D too)',
].join('\n');

const usage = (message: string): SimulatorCommand => ({ kind: 'error', message });

function coords(args: string[]): [number, number] | null {
  const lat = Number(args[0]);
  const lng = Number(args[1]);
  return args.length >= 2 && Number.isFinite(lat) && Number.isFinite(lng) ? [lat, lng] : null;
}

/** Parses one typed line. */
export function parseSimulatorLine(line: string): SimulatorCommand {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'empty' };
  if (trimmed.startsWith('//')) return { kind: 'send', build: (s) => textMessage(trimmed.slice(1), s) };
  if (!trimmed.startsWith('/')) return { kind: 'send', build: (s) => textMessage(line.replace(/[\r\n]+$/, ''), s) };
  const [cmd = '', ...args] = trimmed.split(/\s+/);
  const rest = args.join(' ');
  switch (cmd.toLowerCase()) {
    case '/help':
    case '/?':
      return { kind: 'help' };
    case '/quit':
    case '/exit':
      return { kind: 'quit' };
    case '/image':
      return args[0] ? { kind: 'send', build: (s) => imageMessage(args[0]!, s) } : usage('usage: /image URL');
    case '/voice':
      return { kind: 'send', build: (s) => voiceMessage({ recognition: rest }, s) };
    case '/video':
      return { kind: 'send', build: (s) => videoMessage({}, s) };
    case '/location': {
      const c = coords(args);
      return c
        ? { kind: 'send', build: (s) => locationMessage(c[0], c[1], { label: args.slice(2).join(' ') }, s) }
        : usage('usage: /location LAT LNG LABEL (e.g. /location 23.13 113.35 广州塔)');
    }
    case '/link':
      return args[0]
        ? { kind: 'send', build: (s) => linkMessage(args[0]!, { title: args.slice(1).join(' ') || undefined }, s) }
        : usage('usage: /link URL [TITLE]');
    case '/subscribe':
      return { kind: 'send', build: (s) => subscribeEvent(args[0], s) };
    case '/unsubscribe':
      return { kind: 'send', build: (s) => unsubscribeEvent(s) };
    case '/scan':
      return args[0] ? { kind: 'send', build: (s) => scanEvent(args[0]!, s) } : usage('usage: /scan SCENE');
    case '/click':
      return args[0] ? { kind: 'send', build: (s) => clickEvent(args[0]!, s) } : usage('usage: /click KEY');
    case '/view':
      return args[0] ? { kind: 'send', build: (s) => viewEvent(args[0]!, {}, s) } : usage('usage: /view URL');
    default:
      return { kind: 'unknown', command: cmd };
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

  /**
   * Sends what one typed line asks for. `commands`, when given, reads the slash commands first (the
   * CLI reads them with its subcommands' options); what it calls `unknown` (/help, /quit, `//text`)
   * is read by parseSimulatorLine.
   */
  async handle(
    line: string,
    commands?: (line: string) => SimulatorCommand | { kind: 'help'; text: string },
  ): Promise<SimulatorTurn> {
    const slash = /^\s*\/(?!\/)/.test(line);
    const first = commands && slash ? commands(line) : undefined;
    const cmd = first === undefined || first.kind === 'unknown' ? parseSimulatorLine(line) : first;
    if (cmd.kind === 'unknown')
      return { kind: 'error', message: `unknown command ${cmd.command}; /help lists the commands` };
    if (cmd.kind === 'help')
      return { kind: 'help', text: 'text' in cmd && typeof cmd.text === 'string' ? cmd.text : SIMULATOR_HELP };
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
