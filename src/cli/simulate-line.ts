/**
 * Lets the interactive chat send every kind `wxbot simulate` has a subcommand for:
 * "/event scancode_push KEY --scan-result X" is parsed by the very same command definitions, and so
 * are the shortcuts (`/location LAT LNG LABEL --scale 16`, `/click KEY`), options included.
 */
import { Command, CommanderError } from 'commander';
import type { SimulatorCommand } from '../simulate/chat.js';
import type * as Messages from '../simulate/messages.js';
import { addKindCommands, CHAT_EVENT_SHORTCUTS, MESSAGE_KINDS, type BoundBuild } from './simulate-kinds.js';

export const LINE_HELP = [
  "each line takes its subcommand's options: /image URL --media-id ID   /voice --format speex",
  '/location LAT LNG --label L --scale 16   (/location --help lists them)',
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

const KNOWN = new Set([
  'event',
  ...CHAT_EVENT_SHORTCUTS,
  ...MESSAGE_KINDS.flatMap((k) => [k.name, ...(k.aliases ?? [])]),
]);

/** `/location: missing required argument 'lng' (usage: /location [options] <lat> <lng> [label...])` */
function explain(program: Command, words: string[], err: unknown, said: string): string {
  const path = words.slice(0, words[0] === 'event' ? 2 : 1);
  let cmd = program;
  for (const w of path) cmd = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) ?? cmd;
  const what = `/${path.join(' ')}`;
  const code = err instanceof CommanderError ? err.code : '';
  const hint =
    code === 'commander.unknownOption'
      ? ` (${what} --help lists its options)`
      : code.startsWith('commander.')
        ? ` (usage: ${what} ${cmd.usage()})`
        : '';
  const text = (said.trim() || (err as Error).message).replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
  return `${what}: ${text}${hint}`;
}

/** Parses "/<subcommand> args…" with the subcommands' own definitions (options, arguments, help). */
export function parseKindLine(
  line: string,
  messages: typeof Messages,
): SimulatorCommand | { kind: 'help'; text: string } {
  const words = splitWords(line.trim().slice(1));
  const name = words[0] ?? '';
  // Names are typed in any case (/CLICK KEY), as the chat always took them.
  if (!KNOWN.has(name) && KNOWN.has(name.toLowerCase())) words[0] = name.toLowerCase();
  else if (!KNOWN.has(name)) return { kind: 'unknown', command: `/${name}` };
  let built: BoundBuild | undefined;
  let text = '';
  const capture = (s: string) => {
    text += s;
  };
  // Settings set before the subcommands are added are inherited by them: no exit, no printing.
  const program = new Command('wxbot simulate')
    .exitOverride()
    .configureOutput({ writeOut: capture, writeErr: capture });
  addKindCommands(
    program,
    (build) => {
      built = build;
    },
    true,
  );
  try {
    program.parse(words, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.help'))
      return { kind: 'help', text: text.trimEnd() };
    return { kind: 'error', message: explain(program, words, err, text) };
  }
  const b = built;
  return b
    ? { kind: 'send', build: (u) => b(messages, u) }
    : { kind: 'error', message: `nothing to send for ${line.trim()}` };
}
