import { Command } from 'commander';
import { addServerOptions, type ServeFlags } from '../serve-settings.js';

const EXAMPLES = `
Examples:
  $ wxbot serve                                  # demo bot on :5050, token generated for the run
  $ wxbot serve bot.mjs --port 8080              # your bot (default export of createBot())
  $ wxbot serve bot.ts --watch                   # .ts through tsx, reloaded on save
  $ WECHAT_TOKEN=abc123 WECHAT_AES_KEY=... WECHAT_APP_ID=wx... wxbot serve --log-format json
  $ wxbot serve --ui --menu menu.json            # also the web UI: a phone, a live inspector, the menu
  $ wxbot serve --redis redis://127.0.0.1:6379   # several replicas share dedupe and sessions`;

export default function serveCommand(): Command {
  const cmd = new Command('serve')
    .description('Run the webhook server: GET verification, signed/encrypted POSTs, your bot (or the demo bot)')
    .argument('[entry]', 'module default-exporting a bot (.js/.mjs, or .ts with tsx installed)');
  return addServerOptions(cmd)
    .addHelpText('after', EXAMPLES)
    .action(async (entry: string | undefined, flags: ServeFlags) => {
      const [{ startServeRuntime }, { loadEnv }, { onStopSignals }] = await Promise.all([
        import('../serve-runtime.js'),
        import('../../config/env.js'),
        import('../stop-signals.js'),
      ]);
      // Signal handlers go in before start-up finishes: a Ctrl-C during start-up (after the banner,
      // while the last steps run) must still shut down cleanly instead of killing the process.
      // The terminal closing (SIGHUP) shuts down the same way: the dev session must not outlive us.
      let started: Promise<{ close(): Promise<void> }> | undefined;
      // Called once; a second Ctrl-C means now (onStopSignals).
      const stop = (signal: string) => {
        process.stderr.write(`wxbot: ${signal}: finishing in-flight requests…\n`);
        // Hard stop in case something refuses to end; the server's own grace period is shorter.
        setTimeout(() => process.exit(0), 9_500).unref();
        (started ?? Promise.resolve(undefined))
          .then((handle) => handle?.close())
          .then(
            () => process.exit(0),
            (err: unknown) => {
              process.stderr.write(`wxbot: shutdown: ${(err as Error).message}\n`);
              process.exit(1);
            },
          );
      };
      onStopSignals(stop);
      started = startServeRuntime(entry, flags, loadEnv());
      await started;
    });
}
