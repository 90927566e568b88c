/**
 * The `wxbot` entry. Only the command being run is imported: start-up stays close to bare
 * `node`, and heavy modules (undici, ngrok, ioredis) load inside the command that needs them.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { handleError } from './errors.js';

type Loader = () => Promise<{ default: () => Command }>;

// name → one-line summary shown in `wxbot --help`, and the module that builds the real command.
const COMMANDS: Record<string, [string, Loader]> = {
  serve: ['run the webhook server (verify, decrypt, route, reply)', () => import('./commands/serve.js')],
  simulate: ['play WeChat: send signed messages and events, judge the reply', () => import('./commands/simulate.js')],
  sign: ['compute signature / msg_signature exactly as WeChat does', () => import('./commands/sign.js')],
  chat: ['talk to the configured chatbot provider (Tuling, OpenAI-compatible)', () => import('./commands/chat.js')],
  tunnel: ['expose the local server through ngrok and check it end to end', () => import('./commands/tunnel.js')],
  history: ['list the exchanges recorded by serve/tunnel', () => import('./commands/history.js')],
  replay: ['re-sign and re-send a recorded exchange', () => import('./commands/replay.js')],
  init: ['scaffold a bot project with fresh keys', () => import('./commands/init.js')],
  keys: ['print a new Token and EncodingAESKey', () => import('./commands/keys.js')],
  menu: ['get, create or delete the custom menu', () => import('./commands/menu.js')],
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Usage errors surface as CommanderError so handleError picks the exit code (2), at every depth.
function withExitOverride(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) withExitOverride(sub);
  return cmd;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = new Command('wxbot')
    .description('Build, run and test WeChat Official Account bots from your laptop')
    .version(version(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', '\nExamples:\n  $ wxbot serve\n  $ wxbot simulate text 你好\n  $ wxbot tunnel');
  const name = argv[2];
  for (const [cmd, [summary, load]] of Object.entries(COMMANDS)) {
    if (cmd === name || (name === 'help' && argv[3] === cmd)) {
      const mod = await load();
      program.addCommand(withExitOverride(mod.default()));
    } else {
      // Listed in help without importing it.
      program.command(cmd).summary(summary).description(summary).allowUnknownOption().helpOption(false);
    }
  }
  await program.parseAsync(argv);
}

main().catch(handleError);
