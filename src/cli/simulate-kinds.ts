/**
 * `wxbot simulate`'s subcommands, one per row of the kinds table (src/simulate/kinds.ts), with
 * commander's options, help and examples. (The chat's `/kind …` lines read the same table.)
 */
import type { Command } from 'commander';
import type { WechatMessage } from '../protocol/messages.js';
import { KindInputError, SEND_KINDS, type KindOptions, type SendKind } from '../simulate/kinds.js';
import type * as Messages from '../simulate/messages.js';
import { CliError, EXIT } from './errors.js';

const MESSAGE_KINDS: readonly SendKind[] = SEND_KINDS.filter((k) => !k.event);
export const EVENT_KINDS: readonly SendKind[] = SEND_KINDS.filter((k) => k.event);

/** A message builder bound to its arguments: what a parsed subcommand (or chat line) asks to send. */
export type BoundBuild = (m: typeof Messages, u: Messages.SimulatedUser) => WechatMessage;
export type OnBuild = (build: BoundBuild, cmd: Command) => void | Promise<void>;

/** A kind's build, its input errors as usage errors (exit 2). */
function built(
  k: SendKind,
  m: typeof Messages,
  args: string[],
  o: KindOptions,
  u: Messages.SimulatedUser,
): WechatMessage {
  try {
    return k.build(m, args, o, u);
  } catch (err) {
    throw err instanceof KindInputError ? new CliError(err.message, EXIT.usage) : err;
  }
}

function kindCommand(parent: Command, k: SendKind, onBuild: OnBuild): void {
  const cmd = parent.command(k.name).description(`send ${k.summary}`);
  for (const a of k.aliases ?? []) cmd.alias(a);
  if (k.args) cmd.arguments(k.args);
  for (const [flags, description] of k.options ?? []) cmd.option(flags, description);
  cmd.addHelpText('after', `\nExamples:\n  $ wxbot simulate ${k.example}\n  $ wxbot simulate ${k.example} --json`);
  cmd.action((...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const args = (self.processedArgs as unknown[]).flat().filter((x): x is string => typeof x === 'string');
    const opts = self.opts() as KindOptions;
    return onBuild((m, u) => built(k, m, args, opts, u), self);
  });
}

/** Adds every message kind, and the `event` group, as subcommands of `parent`. */
export function addKindCommands(parent: Command, onBuild: OnBuild): Command {
  for (const k of MESSAGE_KINDS) kindCommand(parent, k, onBuild);
  const event = parent
    .command('event')
    .description('send an event (follow, QR scan, menu taps, location, reports)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ wxbot simulate event subscribe\n  $ wxbot simulate event click V1001_TODAY_MUSIC\n  $ wxbot simulate event scancode_waitmsg SCAN_KEY --scan-result hello',
    );
  for (const k of EVENT_KINDS) kindCommand(event, k, onBuild);
  return parent;
}
