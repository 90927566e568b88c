/**
 * The command tree as plain data, read from the real commander definitions: what the completion
 * scripts offer (commands, subcommands, long options, fixed values) can never drift from the CLI.
 */
import type { Argument, Command, Option } from 'commander';

/** What a value can be completed with: fixed choices, file names, or nothing (free text). */
export type ValueKind = { choices: string[] } | 'files' | 'free';

export interface OptionSpec {
  long?: string;
  short?: string;
  description: string;
  /** Free, files or choices when the option takes a value; undefined for a plain flag. */
  value?: ValueKind;
}

export interface ArgSpec {
  name: string;
  value: ValueKind;
  variadic: boolean;
}

export interface CommandSpec {
  /** From the root: ['wxbot', 'simulate', 'event']. */
  path: string[];
  name: string;
  aliases: string[];
  description: string;
  /** Own options first, then those of every ancestor but the root (commander accepts them after the subcommand). */
  options: OptionSpec[];
  /** The command's own options (with --help), without the inherited ones. */
  ownOptions: OptionSpec[];
  args: ArgSpec[];
  commands: CommandSpec[];
}

// Positional and option values that name something on disk ("[entry]", "<file>", "--file <path>").
const FILE_ARG = /^(entry|file|dir|directory)$/i;
const FILE_OPTION = /^--(file|dir)$/;

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function optionSpec(o: Option): OptionSpec {
  const takesValue = o.required || o.optional;
  let value: ValueKind | undefined;
  if (takesValue)
    value = o.argChoices?.length
      ? { choices: [...o.argChoices] }
      : o.long && FILE_OPTION.test(o.long)
        ? 'files'
        : 'free';
  return { long: o.long, short: o.short, description: firstLine(o.description), value };
}

function argSpec(a: Argument): ArgSpec {
  const value: ValueKind = a.argChoices?.length
    ? { choices: [...a.argChoices] }
    : FILE_ARG.test(a.name())
      ? 'files'
      : 'free';
  return { name: a.name(), value, variadic: a.variadic };
}

const HELP: OptionSpec = { long: '--help', short: '-h', description: 'display help for command' };

function walk(cmd: Command, path: string[], inherited: OptionSpec[]): CommandSpec {
  const own = cmd.options.filter((o) => !o.hidden).map(optionSpec);
  const isRoot = path.length === 1;
  const commands = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const spec: CommandSpec = {
    path,
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: firstLine(cmd.summary() || cmd.description()),
    options: [...own, HELP, ...inherited],
    ownOptions: [...own, HELP],
    args: cmd.registeredArguments.map(argSpec),
    commands: [],
  };
  // Root options (--version) only make sense before a command; everything else is inherited.
  const passDown = isRoot ? [] : [...own, ...inherited];
  spec.commands = commands.map((c) => walk(c, [...path, c.name()], passDown));
  return spec;
}

/** The whole tree, plus `help <command>` at the top as commander provides it. */
export function commandSpec(program: Command): CommandSpec {
  const root = walk(program, [program.name()], []);
  const names = root.commands.map((c) => c.name);
  root.commands.push({
    path: [root.name, 'help'],
    name: 'help',
    aliases: [],
    description: 'display help for command',
    options: [],
    ownOptions: [],
    args: [{ name: 'command', value: { choices: names }, variadic: false }],
    commands: [],
  });
  return root;
}

/** Every command in the tree, depth first, the root first. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.commands.flatMap(allCommands)];
}
