import { Command } from 'commander';
import { addSimulateOptions, type SimulateFlags } from '../simulate-options.js';
import { EVENT_KINDS, MESSAGE_KINDS, type Kind } from '../simulate-kinds.js';

const EXAMPLES = `
Examples:
  $ wxbot simulate                                   # interactive chat as one fake user
  $ wxbot simulate verify --url https://example.com/wechat --token T
  $ wxbot simulate text 你好
  $ wxbot simulate event subscribe --scene 123 --mode safe --aes-key K --app-id wx…
  $ wxbot simulate text 你好 --json | jq .problems
  $ wxbot simulate text slow --retry --timeout 5`;

const flagsOf = (cmd: Command) => cmd.optsWithGlobals() as SimulateFlags & Record<string, string | undefined>;

function kindCommand(parent: Command, k: Kind): void {
  const cmd = parent.command(k.name).description(`send ${k.summary}`);
  for (const a of k.aliases ?? []) cmd.alias(a);
  if (k.args) cmd.arguments(k.args);
  for (const [flags, description] of k.options ?? []) cmd.option(flags, description);
  cmd.addHelpText('after', `\nExample:\n  $ wxbot simulate ${k.example}`);
  cmd.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const args = (self.processedArgs as unknown[]).flat().filter((x): x is string => typeof x === 'string');
    const flags = flagsOf(self);
    const { runSend } = await import('../simulate-run.js');
    await runSend((m, u) => k.build(m, args, flags, u), flags);
  });
}

export default function simulateCommand(): Command {
  const simulate = addSimulateOptions(new Command('simulate'))
    .description('Play WeChat against any server: send signed (and encrypted) messages and events, judge the reply as WeChat would.\nWith no subcommand: an interactive chat as one fake user.')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', `${EXAMPLES}\n\nExit codes: 0 WeChat would accept the reply (warnings allowed), 1 problems found, 2 usage, 3 server unreachable.`)
    .action(async (_opts: unknown, cmd: Command) => {
      const { runChat } = await import('../simulate-chat.js');
      await runChat(flagsOf(cmd));
    });

  simulate.command('verify')
    .description("the console's URL check: a signed GET whose answer must be the echostr, exactly")
    .option('--echostr <s>', 'the echostr to send (default: a random number, like WeChat)')
    .option('--no-probe', 'skip the second, deliberately mis-signed GET that checks the server rejects bad signatures')
    .addHelpText('after', '\nExamples:\n  $ wxbot simulate verify\n  $ wxbot simulate verify --url https://example.com/wechat --token T --json')
    .action(async (_opts: unknown, cmd: Command) => {
      const { runVerify } = await import('../simulate-run.js');
      await runVerify(flagsOf(cmd));
    });

  for (const k of MESSAGE_KINDS) kindCommand(simulate, k);
  const event = simulate.command('event').description('send an event (follow, QR scan, menu taps, location, reports)')
    .addHelpText('after', '\nExamples:\n  $ wxbot simulate event subscribe\n  $ wxbot simulate event click V1001_TODAY_MUSIC\n  $ wxbot simulate event scancode_waitmsg SCAN_KEY --scan-result hello');
  for (const k of EVENT_KINDS) kindCommand(event, k);
  return simulate;
}
