/**
 * Lets the interactive chat send every kind `wxbot simulate` has a subcommand for:
 * "/event scancode_push KEY --scan-result X" is parsed by the very same command definitions.
 */
import { Command, CommanderError } from 'commander';
import type { SimulatorCommand } from '../simulate/chat.js';
import type * as Messages from '../simulate/messages.js';
import { addKindCommands, MESSAGE_KINDS, type BoundBuild } from './simulate-kinds.js';

export const LINE_HELP = [
  'every subcommand works too, e.g.:',
  '/shortvideo   /event scan SCENE   /event scancode_waitmsg KEY --scan-result TEXT',
  '/event pic_weixin KEY --count 2   /event location_select KEY LAT LNG --label L',
  '/event custom kf_create_session KfAccount=a@b   (/event --help lists them all)',
].join('\n');

/** Splits a line like a shell would, for quotes: /link https://x --title "Two words". */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

const KNOWN = new Set(['event', ...MESSAGE_KINDS.flatMap((k) => [k.name, ...(k.aliases ?? [])])]);

/** Parses "/<subcommand> args…" with the subcommands' own definitions (options, arguments, help). */
export function parseKindLine(
  line: string,
  messages: typeof Messages,
): SimulatorCommand | { kind: 'help'; text: string } {
  const words = splitWords(line.trim().slice(1));
  const name = words[0] ?? '';
  if (!KNOWN.has(name)) return { kind: 'unknown', command: `/${name}` };
  let built: BoundBuild | undefined;
  let text = '';
  const capture = (s: string) => {
    text += s;
  };
  // Settings set before the subcommands are added are inherited by them: no exit, no printing.
  const program = new Command('wxbot simulate')
    .exitOverride()
    .configureOutput({ writeOut: capture, writeErr: capture });
  addKindCommands(program, (build) => {
    built = build;
  });
  try {
    program.parse(words, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help'))
      return { kind: 'help', text: text.trimEnd() };
    return { kind: 'error', message: (text.trim() || (err as Error).message).replace(/^error: /, '') };
  }
  const b = built;
  return b
    ? { kind: 'send', build: (u) => b(messages, u) }
    : { kind: 'error', message: `nothing to send for ${line.trim()}` };
}
