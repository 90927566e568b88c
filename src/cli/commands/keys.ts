import { Command } from 'commander';
import { isAppId } from '../../config/values.js';
import { generateEncodingAESKey, generateToken } from '../../protocol/crypto.js';
import { CliError, EXIT } from '../errors.js';

export default function keysCommand(): Command {
  return new Command('keys')
    .description('Print a new Token (32 chars) and EncodingAESKey (43 chars, valid) for the WeChat console')
    .option('--app-id <id>', "also print WECHAT_APP_ID (an EncodingAESKey needs it): your account's AppID")
    .option('--json', 'print one JSON object: {"token","encodingAESKey"} (and "appId" with --app-id)')
    .addHelpText(
      'after',
      [
        '',
        'The output is .env lines, so it can be appended as is. Paste the same values into',
        '公众号后台 → 设置与开发 → 基本配置 → 服务器配置 (令牌(Token), 消息加解密密钥(EncodingAESKey)).',
        'wxbot serve needs the AppID beside an EncodingAESKey: pass --app-id with 开发者ID(AppID)',
        '(a test account / 测试号: the appID on its page).',
        '',
        'Examples:',
        '  $ wxbot keys',
        '  $ wxbot keys --app-id wx1234567890abcdef >> .env',
        '  $ wxbot keys --json | jq -r .token',
      ].join('\n'),
    )
    .action((opts: { appId?: string; json?: boolean }) => {
      if (opts.appId !== undefined && !isAppId(opts.appId)) {
        throw new CliError(
          `--app-id must be an AppID as the WeChat console shows it: wx followed by 16 hex characters, got "${opts.appId}"`,
          EXIT.usage,
        );
      }
      const keys = { token: generateToken(), encodingAESKey: generateEncodingAESKey(), appId: opts.appId };
      if (opts.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
      else {
        const appId = keys.appId === undefined ? '' : `WECHAT_APP_ID=${keys.appId}\n`;
        process.stdout.write(`WECHAT_TOKEN=${keys.token}\nWECHAT_AES_KEY=${keys.encodingAESKey}\n${appId}`);
      }
      // The hint goes to stderr and only to a person: `wxbot keys >> .env` stays clean.
      if (!opts.json && process.stderr.isTTY) {
        process.stderr.write(
          'Paste these into 公众号后台 → 设置与开发 → 基本配置 → 服务器配置, and keep them in .env (`wxbot keys >> .env`).\n',
        );
      }
    });
}
