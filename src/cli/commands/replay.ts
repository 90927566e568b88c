import { Command, Option } from 'commander';
import { httpUrl } from '../../config/values.js';
import { CliError, EXIT } from '../errors.js';
import { checkHistoryIds, readHistoryFile } from '../history-read.js';

interface ReplayFlags {
  url?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  mode?: 'plain' | 'compat' | 'safe';
  sameIds?: boolean;
  json?: boolean;
  timeout?: string;
  file?: string;
}

const EXAMPLES = `
Examples:
  $ wxbot replay                  # the newest recorded message, to the server that recorded it
  $ wxbot replay 12               # see \`wxbot history\` for ids
  $ wxbot replay 12 --same-ids    # keep MsgId/CreateTime: watch the server's retry dedupe answer
  $ wxbot replay 12 --url http://127.0.0.1:8080/wechat --json`;

export default function replayCommand(): Command {
  return new Command('replay')
    .description(
      'Re-send a recorded exchange to the local server (fresh timestamp/nonce, re-signed, re-encrypted) and show the new reply beside the old',
    )
    .argument('[id]', 'history id (default: the newest message)')
    .option(
      '--url <url>',
      'where to send it (default: the server that recorded it, same path; with the Token of a running `wxbot serve` here, that server)',
      (v: string) => httpUrl(v, '--url'),
    )
    .option('--token <token>', 'Token (env WECHAT_TOKEN; else the one `wxbot serve` generated in this directory)')
    .option('--aes-key <key>', 'EncodingAESKey for compat/safe mode (env WECHAT_AES_KEY)')
    .option('--app-id <id>', 'AppID for compat/safe mode (env WECHAT_APP_ID)')
    .addOption(
      new Option('--mode <mode>', 'send in this mode instead of the recorded one').choices(['plain', 'compat', 'safe']),
    )
    .option('--same-ids', 'keep the recorded MsgId/CreateTime (the server will treat it as a WeChat retry)')
    .option(
      '--timeout <seconds>',
      'deadline per delivery, like WeChat (default 5; an unanswered message is delivered again, three times in all)',
    )
    .option('--json', 'print one JSON object')
    .option('--file <path>', 'history file (default .wxbot/history.ndjson in this directory)')
    .addHelpText('after', EXAMPLES)
    .action(async (id: string | undefined, o: ReplayFlags) => {
      if (id !== undefined) checkHistoryIds([id]);
      const [
        { answerOnlyProblem, historyPath, isAnswerOnly, replayEntry, ReplayError, requestAnswered },
        { loadEnv, wechatSettings },
        { readDevSession },
        { SimulateError, TLS_FAILED },
      ] = await Promise.all([
        import('../../history/index.js'),
        import('../../config/env.js'),
        import('../../config/dev-session.js'),
        import('../../simulate/errors.js'),
      ]);
      const file = { path: o.file ?? historyPath() };
      const { entries, skipped } = await readHistoryFile(file.path);
      // The newest request: an answer recorded after it (kept, or sent through the API) is none.
      const entry =
        id === undefined
          ? entries.filter((e) => e.message !== null && !isAnswerOnly(e)).at(-1)
          : entries.find((e) => String(e.id) === id);
      if (entry && isAnswerOnly(entry))
        throw new CliError(answerOnlyProblem(entry, requestAnswered(entries, entry)), EXIT.usage);
      const bad = id === undefined ? undefined : skipped.find((l) => String(l.id) === id);
      if (!entry && bad)
        throw new CliError(`exchange ${id} in ${file.path} cannot be replayed: line ${bad.line}: ${bad.problem}`);
      if (!entry) {
        throw new CliError(
          id === undefined
            ? `no recorded message in ${file.path} yet: run \`wxbot serve\` here and send it something`
            : `no exchange ${id} in ${file.path} (see \`wxbot history\`)`,
        );
      }
      const s = wechatSettings({ token: o.token, aesKey: o.aesKey, appId: o.appId }, loadEnv());
      let url = o.url;
      if (!s.token) {
        // The Token `wxbot serve` generated here is only good for that server: send there (same path).
        const session = readDevSession();
        if (!session)
          throw new CliError(
            'no Token: start `wxbot serve` in this directory, or pass --token / set WECHAT_TOKEN (in the environment or .env)',
            EXIT.usage,
          );
        s.token = session.token;
        url ??= `${new URL(session.url).origin}${entry.path}`;
      }
      const timeoutMs = o.timeout === undefined ? undefined : Math.round(Number(o.timeout) * 1000);
      if (timeoutMs !== undefined && !(timeoutMs > 0))
        throw new CliError(`--timeout must be seconds, got "${o.timeout}"`, EXIT.usage);
      let outcome;
      try {
        outcome = await replayEntry(entry, {
          url,
          token: s.token,
          aesKey: s.aesKey,
          appId: s.appId,
          mode: o.mode,
          sameIds: o.sameIds,
          timeoutMs,
        });
      } catch (err) {
        if (err instanceof SimulateError && err.code === 'SIMULATE_NETWORK') {
          // A TLS failure is not "nothing answers": its message says what to do.
          if (err.message.startsWith(TLS_FAILED)) throw new CliError(err.message, EXIT.network);
          throw new CliError(
            `nothing answers at ${url ?? `${entry.server ?? ''}${entry.path}`}: is \`wxbot serve\` running? (${err.message})`,
            EXIT.network,
          );
        }
        if (err instanceof SimulateError || err instanceof ReplayError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
      const { renderReplay, replayJson } = await import('./replay-render.js');
      process.stdout.write(o.json ? `${JSON.stringify(replayJson(outcome))}\n` : `${renderReplay(outcome)}\n`);
      if (outcome.result.problems.length) process.exitCode = EXIT.failure;
    });
}
