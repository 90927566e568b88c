import { Command } from 'commander';
import { addServerOptions } from '../serve-settings.js';
import type { TunnelFlags } from './tunnel-run.js';

const EXAMPLES = `
Examples:
  $ NGROK_AUTHTOKEN=... wxbot tunnel              # demo bot, public https URL, self-check, console values
  $ wxbot tunnel bot.mjs --watch                   # your bot, reloaded on save
  $ wxbot tunnel --domain my-bot.ngrok-free.app    # your reserved ngrok domain (the URL stays the same)
  $ wxbot tunnel --to 8000 --path /wx              # expose a server that is already running (Flask, PHP…)
  $ wxbot tunnel --public-url https://abc.cpolar.cn   # own tunnel (frp, cpolar, 花生壳) or domain: check + console values
  $ wxbot tunnel --json | jq -r .url`;

export default function tunnelCommand(): Command {
  const cmd = new Command('tunnel')
    .description(
      'Serve the bot, expose it on a public HTTPS URL (ngrok), check it end to end and print what to paste into the WeChat console',
    )
    .argument('[entry]', 'module default-exporting a bot (default: the demo bot), as for `wxbot serve`');
  return addServerOptions(cmd)
    .option('--to <port>', 'expose a server already running on this local port (any language) instead of starting one')
    .option(
      '--public-url <url>',
      'skip ngrok: the public URL of your own domain or tunnel (frp, cpolar, 花生壳) that reaches the local port',
    )
    .option(
      '--authtoken <token>',
      'ngrok auth token (env NGROK_AUTHTOKEN; https://dashboard.ngrok.com/get-started/your-authtoken)',
    )
    .option('--domain <domain>', 'a domain reserved in your ngrok account (env NGROK_DOMAIN)')
    .option('--connect-timeout <seconds>', 'give up reaching ngrok after this long (default 15)')
    .option(
      '--ngrok-server-addr <host:port>',
      'where the ngrok SDK connects (custom agent ingress; env NGROK_SERVER_ADDR)',
    )
    .option('--no-check', 'skip the self-check through the public URL')
    .option(
      '--show-secrets',
      'print the Token and EncodingAESKey in full in the console box (masked by default, like all output)',
    )
    .option(
      '--json',
      'print the console values and the self-check as one JSON object on stdout (the request log goes to stderr)',
    )
    .addHelpText('after', EXAMPLES)
    .action(async (entry: string | undefined, flags: TunnelFlags) => {
      const { runTunnel } = await import('./tunnel-run.js');
      await runTunnel(entry, flags);
    });
}
