import { Command } from 'commander';
import { generateEncodingAESKey, generateToken } from '../../protocol/crypto.js';

export default function keysCommand(): Command {
  return new Command('keys')
    .description('Print a new Token (32 chars) and EncodingAESKey (43 chars, valid) for the WeChat console')
    .option('--json', 'print one JSON object: {"token","encodingAESKey"}')
    .addHelpText(
      'after',
      [
        '',
        'The output is .env lines, so it can be appended as is. Paste the same values into',
        '公众号后台 → 设置与开发 → 基本配置 → 服务器配置 (令牌(Token), 消息加解密密钥(EncodingAESKey)).',
        '',
        'Examples:',
        '  $ wxbot keys',
        '  $ wxbot keys >> .env',
        '  $ wxbot keys --json | jq -r .token',
      ].join('\n'),
    )
    .action((opts: { json?: boolean }) => {
      const keys = { token: generateToken(), encodingAESKey: generateEncodingAESKey() };
      if (opts.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
      else process.stdout.write(`WECHAT_TOKEN=${keys.token}\nWECHAT_AES_KEY=${keys.encodingAESKey}\n`);
      // The hint goes to stderr and only to a person: `wxbot keys >> .env` stays clean.
      if (!opts.json && process.stderr.isTTY) {
        process.stderr.write(
          'Paste these into 公众号后台 → 设置与开发 → 基本配置 → 服务器配置, and keep them in .env (`wxbot keys >> .env`).\n',
        );
      }
    });
}
