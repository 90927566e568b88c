import { Command, Option } from 'commander';
import { httpUrl } from '../../config/values.js';
import { CliError, EXIT } from '../errors.js';

interface TestFlags {
  bot?: string;
  url?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  mode?: 'plain' | 'compat' | 'safe';
  reporter: 'text' | 'tap' | 'junit' | 'json';
  json?: boolean;
  update?: boolean;
  clock?: string;
  timeout?: number;
}

const EXAMPLES = `
Exit codes: 0 every conversation passed, 1 a turn failed, 2 usage or file error (with file:line), 3 server unreachable.

Examples:
  $ wxbot test                                     # tests/**/*.convo and test/**/*.convo against ./bot.mjs, in-process
  $ wxbot test tests/hello.convo --bot bot.mjs --mode safe
  $ wxbot test --url http://127.0.0.1:5050/wechat --token T     # any server, in any language
  $ wxbot test --reporter junit > junit.xml
  $ wxbot test --update                            # rewrite failing exact-text replies with the actual ones
  $ wxbot test --clock 2026-01-01T09:00:00+08:00   # a fake clock; [wait 25h] moves it`;

export default function testCommand(): Command {
  return new Command('test')
    .description(
      'Run conversation tests (.convo files: "> 你好" then "< the expected reply") against your bot in-process or any server (--url); every reply is also judged by WeChat\'s rules.',
    )
    .argument('[paths...]', '.convo files or directories (default: test/ and tests/)')
    .option(
      '--bot <entry>',
      'the bot module, run in-process (default: bot.mjs, bot.js or bot.ts here, else the demo bot)',
    )
    .option('--url <url>', "a server's WeChat endpoint instead of an in-process bot", (v: string) =>
      httpUrl(v, '--url'),
    )
    .option('--token <token>', 'the Token (env WECHAT_TOKEN; in-process: a fresh one when unset)')
    .option('--aes-key <key>', 'the EncodingAESKey, 43 characters (env WECHAT_AES_KEY)')
    .option('--app-id <id>', 'the AppID, wx… (env WECHAT_APP_ID)')
    .addOption(
      new Option(
        '--mode <mode>',
        'how messages are pushed (default: safe with an AES key configured, else plain; @mode in a file wins)',
      ).choices(['plain', 'compat', 'safe']),
    )
    .addOption(
      new Option('--reporter <name>', 'output format').choices(['text', 'tap', 'junit', 'json']).default('text'),
    )
    .option('--json', 'the same as --reporter json')
    .option('-u, --update', 'rewrite the expectations of failing exact-text turns with the actual replies')
    .option(
      '--clock <time>',
      'in-process: run on a fake clock starting at this time ("now", or 2026-01-01T09:00:00+08:00)',
    )
    .option(
      '--timeout <seconds>',
      'with --url: deadline per delivery (default 5, like WeChat, which delivers an unanswered push again, three times in all)',
      (v) => {
        const n = Number(v);
        if (!(n > 0)) throw new CliError(`--timeout must be a positive number of seconds, got "${v}"`, EXIT.usage);
        return Math.round(n * 1000);
      },
    )
    .addHelpText('after', EXAMPLES)
    .action(async (paths: string[], flags: TestFlags) => {
      const { runTest } = await import('../test-run.js');
      await runTest(paths, flags);
    });
}

export type { TestFlags };
