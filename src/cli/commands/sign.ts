import { Command } from 'commander';
import { httpUrl } from '../../config/values.js';
import { loadEnv, wechatSettings } from '../../config/env.js';
import { computeMsgSignature, computeSignature } from '../../protocol/signature.js';
import { newNonce, unixSeconds } from '../../simulate/ids.js';
import { withQuery } from '../../simulate/url.js';
import { CliError, EXIT } from '../errors.js';

interface SignFlags {
  token?: string;
  timestamp?: string;
  nonce?: string;
  encrypt?: string;
  echostr?: string;
  json?: boolean;
  url?: string;
}

const EXAMPLES = `
Examples:
  $ wxbot sign --token AAAAA --timestamp 1714036504 --nonce 1514711492   # f464b24fc39322e44b38aa78f5edd27bd1441696
  $ wxbot sign --token T --encrypt "$ENCRYPT" --json
  $ wxbot sign --token T --echostr hello --url http://127.0.0.1:5050/wechat | xargs curl`;

export default function signCommand(): Command {
  return new Command('sign')
    .description(
      'Compute signature (and msg_signature) exactly as WeChat does: sha1 of the sorted, concatenated parts.\nPlain output is the bare value(s), one per line; generated timestamp/nonce are reported on stderr.',
    )
    .option('--token <token>', 'the Token (env WECHAT_TOKEN)')
    .option('--timestamp <ts>', 'Unix seconds (default: now)')
    .option('--nonce <nonce>', 'nonce (default: random digits)')
    .option(
      '--encrypt <base64>',
      'an Encrypt value: also print msg_signature = sha1(sort(token, timestamp, nonce, encrypt))',
    )
    .option('--echostr <s>', 'echostr to put in the signed URL (it is not part of the signature)')
    .option('--url <base>', 'print a complete signed URL on BASE instead of the bare values', (v: string) =>
      httpUrl(v, '--url'),
    )
    .option('--json', 'print one JSON object')
    .addHelpText('after', EXAMPLES)
    .action((opts: SignFlags) => {
      const token = wechatSettings({ token: opts.token }, loadEnv()).token;
      if (!token) throw new CliError('no Token: pass --token or set WECHAT_TOKEN', EXIT.usage);
      const timestamp = opts.timestamp ?? String(unixSeconds());
      const nonce = opts.nonce ?? newNonce();
      const signature = computeSignature(token, timestamp, nonce);
      const msgSignature =
        opts.encrypt === undefined ? undefined : computeMsgSignature(token, timestamp, nonce, opts.encrypt);
      const query: Record<string, string> = { signature, timestamp, nonce };
      if (opts.echostr !== undefined) query.echostr = opts.echostr;
      if (msgSignature) Object.assign(query, { encrypt_type: 'aes', msg_signature: msgSignature });
      const url = opts.url === undefined ? undefined : withQuery(opts.url, query);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ signature, msg_signature: msgSignature, timestamp, nonce, echostr: opts.echostr, encrypt: opts.encrypt, url })}\n`,
        );
        return;
      }
      if (url) return void process.stdout.write(`${url}\n`);
      // Only what was generated: a value given on the command line is not news.
      const generated = [opts.timestamp ? '' : `timestamp=${timestamp}`, opts.nonce ? '' : `nonce=${nonce}`];
      if (!opts.timestamp || !opts.nonce) process.stderr.write(`${generated.filter(Boolean).join(' ')}\n`);
      process.stdout.write(`${signature}\n${msgSignature ? `${msgSignature}\n` : ''}`);
    });
}
