import { Command } from 'commander';
import { editDistance } from '../../simulate/edit-distance.js';
import { CliError, EXIT } from '../errors.js';
import { addKindCommands, EVENT_KINDS } from '../simulate-kinds.js';
import { addSimulateOptions, type SimulateFlags } from '../simulate-options.js';

const EXAMPLES = `
Examples:
  $ wxbot simulate                                   # interactive chat as one fake user
  $ wxbot simulate --save tests/chat.convo           # the same, saved as a conversation test
  $ wxbot simulate < scenario.txt                    # the same, one line per message
  $ wxbot simulate verify --url https://example.com/wechat --token T
  $ wxbot simulate text 你好
  $ wxbot simulate event subscribe --scene 123 --mode safe --aes-key K --app-id wx…
  $ wxbot simulate text 你好 --json | jq .problems
  $ wxbot simulate text slow --retry`;

function unknownKind(name: string, known: string[]): CliError {
  // `wxbot simulate click KEY`: events are one level down.
  const event = EVENT_KINDS.find((k) => k.name === name.toLowerCase() && k.name !== 'location');
  if (event)
    return new CliError(
      `'${name}' is an event: wxbot simulate event ${event.name}${event.args ? ` ${event.args}` : ''} (\`wxbot simulate event --help\` lists them)`,
      EXIT.usage,
    );
  const near = known.filter((k) => editDistance(name.toLowerCase(), k) <= 2);
  return new CliError(
    `unknown command '${name}'${near.length ? ` (did you mean ${near.join(' or ')}?)` : ''}; \`wxbot simulate --help\` lists them`,
    EXIT.usage,
  );
}

const flagsOf = (cmd: Command) => cmd.optsWithGlobals() as SimulateFlags & { echostr?: string; probe?: boolean };

export default function simulateCommand(): Command {
  const simulate = addSimulateOptions(new Command('simulate'))
    .description(
      'Play WeChat against any server: send signed (and encrypted) messages and events, judge the reply as WeChat would.\nWith no subcommand: an interactive chat as one fake user (reads stdin, so a pipe works too).',
    )
    .option('--save <file>', 'write the exchanges as a conversation test (a .convo file for `wxbot test`)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `\nExit codes: 0 WeChat would accept the reply (warnings allowed), 1 problems found, 2 usage, 3 server unreachable.\n${EXAMPLES}`,
    )
    .allowExcessArguments()
    .action(async (_opts: unknown, cmd: Command) => {
      if (cmd.args.length > 0)
        throw unknownKind(
          cmd.args[0]!,
          cmd.commands.map((c) => c.name()),
        );
      const { runChat } = await import('../simulate-chat.js');
      await runChat(flagsOf(cmd));
    });

  simulate
    .command('verify')
    .description("the console's URL check: a signed GET whose answer must be the echostr, exactly")
    .option('--echostr <s>', 'the echostr to send (default: a random number, like WeChat)')
    .option('--no-probe', 'skip the second, deliberately mis-signed GET that checks the server rejects bad signatures')
    .addHelpText(
      'after',
      '\nExamples:\n  $ wxbot simulate verify\n  $ wxbot simulate verify --url https://example.com/wechat --token T --json',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runVerify } = await import('../simulate-run.js');
      await runVerify(flagsOf(cmd));
    });

  return addKindCommands(simulate, async (build, cmd) => {
    const { runSend } = await import('../simulate-run.js');
    await runSend(build, flagsOf(cmd));
  });
}
