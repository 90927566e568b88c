import { Command } from 'commander';
import { httpUrl } from '../../config/values.js';
import type { UiFlags } from '../serve-ui.js';

interface UiCommandFlags extends UiFlags {
  url?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  appSecret?: string;
  to?: string;
  port?: string;
  timeout?: number;
}

const EXAMPLES = `
Examples:
  $ wxbot ui                                   # the wxbot serve running in this directory
  $ wxbot ui --menu menu.json                  # with your custom menu at the bottom of the phone
  $ wxbot ui --url http://127.0.0.1:8000/wx --token abc123   # any server (Flask, PHP, Java…)
  $ wxbot ui --ui-port 0                       # any free port (the address is printed)`;

export default function uiCommand(): Command {
  return new Command('ui')
    .description(
      'Open WeChat in the browser: a phone that renders every reply, a live inspector with replay, the custom menu',
    )
    .option(
      '--url <url>',
      "the server's WeChat endpoint (env WXBOT_URL; default the running `wxbot serve` in this directory)",
      (v: string) => httpUrl(v, '--url'),
    )
    .option('--token <token>', 'the Token (env WECHAT_TOKEN; else the one `wxbot serve` generated in this directory)')
    .option('--aes-key <key>', 'the EncodingAESKey, for compatible and safe mode (env WECHAT_AES_KEY)')
    .option('--app-id <id>', 'the AppID, wx… (env WECHAT_APP_ID)')
    .option('--app-secret <secret>', "the AppSecret, to show the account's menu (env WECHAT_APP_SECRET)")
    .option('--to <gh_id>', "the account's 原始ID the phone writes to (default gh_123456789abc)")
    .option('--menu <file>', "menu.json to show at the bottom of the phone (default: the account's menu)")
    .option('-p, --ui-port <port>', 'port of the UI, on 127.0.0.1 only (default 5051; 0 picks a free one)')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: UiCommandFlags) => {
      const { runUi } = await import('../ui-run.js');
      await runUi(flags);
    });
}

export type { UiCommandFlags };
