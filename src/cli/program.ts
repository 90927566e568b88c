/**
 * The `wxbot` program and its command table, shared by main.ts (which loads only the command being
 * run) and `wxbot completion` (which loads them all to read the real definitions, so completion
 * scripts never drift from the CLI). Nothing heavy here: `wxbot --version` imports this file.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

export type CommandLoader = () => Promise<{ default: () => Command }>;

// name → one-line summary shown in `wxbot --help`, and the module that builds the real command.
export const COMMANDS: Record<string, [summary: string, load: CommandLoader]> = {
  serve: ['run the webhook server (verify, decrypt, route, reply)', () => import('./commands/serve.js')],
  simulate: ['play WeChat: send signed messages and events, judge the reply', () => import('./commands/simulate.js')],
  sign: ['compute signature / msg_signature exactly as WeChat does', () => import('./commands/sign.js')],
  chat: ['talk to the configured chatbot provider (Tuling, OpenAI-compatible)', () => import('./commands/chat.js')],
  tunnel: ['expose the local server through ngrok and check it end to end', () => import('./commands/tunnel.js')],
  history: ['list the exchanges recorded by serve/tunnel', () => import('./commands/history.js')],
  test: ['run conversation tests (.convo files) against your bot or any server', () => import('./commands/test.js')],
  replay: ['re-sign and re-send a recorded exchange', () => import('./commands/replay.js')],
  init: ['scaffold a bot project with fresh keys', () => import('./commands/init.js')],
  keys: ['print a new Token and EncodingAESKey', () => import('./commands/keys.js')],
  menu: ['get, create or delete the custom menu', () => import('./commands/menu.js')],
  media: ['upload, list, download or delete media (temporary and permanent)', () => import('./commands/media.js')],
  qrcode: ['create a QR code with a scene (and save its picture)', () => import('./commands/qrcode.js')],
  template: ['list message templates, send a template message', () => import('./commands/template.js')],
  ui: ['open WeChat in the browser: phone, live inspector, custom menu', () => import('./commands/ui.js')],
  completion: ['print a shell completion script (bash, zsh, fish)', () => import('./commands/completion.js')],
};

const HELP_AFTER = `
Conventions: data on stdout, everything else on stderr; --json prints JSON only (also on failure);
colours only on a terminal (NO_COLOR=1 turns them off).
Exit codes: 0 ok, 1 check failed or service error, 2 usage or missing configuration, 3 network.

Examples:
  $ wxbot serve
  $ wxbot simulate text 你好
  $ wxbot tunnel
  $ wxbot completion bash > ~/.local/share/bash-completion/completions/wxbot`;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The root command, without subcommands. */
export function createProgram(version = packageVersion()): Command {
  return new Command('wxbot')
    .description('Build, run and test WeChat Official Account bots from your laptop')
    .version(version, '-v, --version')
    .showHelpAfterError('(run `wxbot --help` for usage)')
    .exitOverride()
    .addHelpText('after', HELP_AFTER);
}

// Usage errors surface as CommanderError so handleError picks the exit code (2), at every depth,
// each followed by where that command's own usage is (a missing argument says which, not how).
export function withUsageErrors(cmd: Command, parent = 'wxbot'): Command {
  const path = `${parent} ${cmd.name()}`;
  cmd.exitOverride().showHelpAfterError(`(run \`${path} --help\` for usage)`);
  for (const sub of cmd.commands) withUsageErrors(sub, path);
  return cmd;
}

/** Every command, really loaded (for `wxbot completion` and the tests that walk the whole tree). */
export async function loadFullProgram(): Promise<Command> {
  const program = createProgram();
  for (const [summary, load] of Object.values(COMMANDS)) {
    const cmd = (await load()).default();
    // The same one-liners `wxbot --help` shows (and completion scripts describe commands with).
    if (!cmd.summary()) cmd.summary(summary);
    program.addCommand(withUsageErrors(cmd));
  }
  return program;
}
