import { Command } from 'commander';
import { generateEncodingAESKey, generateToken } from '../../protocol/crypto.js';

export default function keysCommand(): Command {
  return new Command('keys')
    .description('Print a new Token (32 chars) and EncodingAESKey (43 chars) for the WeChat console')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ wxbot keys\n  $ wxbot keys --json >> secrets.json')
    .action((opts: { json?: boolean }) => {
      const keys = { token: generateToken(), encodingAESKey: generateEncodingAESKey() };
      if (opts.json) process.stdout.write(`${JSON.stringify(keys)}\n`);
      else process.stdout.write(`WECHAT_TOKEN=${keys.token}\nWECHAT_AES_KEY=${keys.encodingAESKey}\n`);
    });
}
