import { Command, Option } from 'commander';
import { loadEnv } from '../../config/env.js';
import type { ChatSettings, InspectableProvider } from '../../providers/index.js';
import { CliError, EXIT } from '../errors.js';

const DEFAULT_USER = 'oWxbotChatTest_user-00000001';

interface ChatOpts {
  provider?: 'tuling' | 'openai';
  user: string;
  json?: boolean;
  timeout: string;
}

// The providers barrel is loaded inside the action only (undici comes with its first call anyway).
type Providers = typeof import('../../providers/index.js');

interface Session {
  p: Providers;
  provider: InspectableProvider;
  settings: ChatSettings;
  opts: ChatOpts;
}

export default function chatCommand(): Command {
  return new Command('chat')
    .description(
      'Send text to the configured chat provider (Tuling123 or OpenAI-compatible) and print the answer.\n' +
        'Without text: an interactive prompt that keeps one user id, so the conversation has context.\n' +
        'Settings come from the environment and .env (TULING_KEY, OPENAI_API_KEY, …; see docs/guide/chat-providers.md).',
    )
    .argument('[text...]', 'what to say (words are joined with spaces)')
    .addOption(
      new Option(
        '--provider <name>',
        'which provider (default: WXBOT_CHAT_PROVIDER, else whichever key is set)',
      ).choices(['tuling', 'openai']),
    )
    .option('--user <openid>', 'the OpenID to chat as', DEFAULT_USER)
    .option(
      '--json',
      'print request summary (no keys), raw response, mapped reply and latency as JSON (one object per exchange)',
    )
    .option('--timeout <ms>', 'give up after this many milliseconds', '10000')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 answered, 1 provider error, 2 missing/invalid setting, 3 network failure or timeout.',
        '',
        'Examples:',
        '  $ TULING_KEY=0123… wxbot chat 你好',
        '  $ wxbot chat --provider openai --json "what can you do?"',
        '  $ wxbot chat --user oUser123            # interactive; /exit or Ctrl-D to quit',
        '  $ wxbot chat --json < questions.txt     # one line, one question; one JSON object per answer',
        '',
      ].join('\n'),
    )
    .action(async (words: string[], opts: ChatOpts) => {
      // Words that are only spaces are a question with nothing in it, not a request for the interactive mode.
      if (words.length > 0 && words.join(' ').trim() === '')
        throw new CliError(
          'nothing to ask: the text is empty (give a question, or no words for the interactive mode)',
          EXIT.usage,
        );
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
        throw new CliError(`--timeout must be a positive integer, got "${opts.timeout}"`, EXIT.usage);
      const p = await import('../../providers/index.js');
      const settings = configured(p, opts.provider);
      const s: Session = { p, settings, opts, provider: p.createProvider(settings, { timeoutMs }) };
      try {
        await p.warmUp();
        const text = words.join(' ');
        const failed = text.trim() ? await exchange(s, text) : await interactive(s);
        if (failed) throw failed;
      } finally {
        await p.closeSharedDispatcher();
      }
    });
}

function configured(p: Providers, provider: ChatOpts['provider']): ChatSettings {
  let settings: ChatSettings | undefined;
  try {
    settings = p.chatSettingsFromEnv(loadEnv(), { provider });
  } catch (e) {
    if (p.isProviderError(e) && e.code === 'NOT_CONFIGURED') throw new CliError(e.message, EXIT.usage);
    throw e;
  }
  if (!settings) {
    throw new CliError(
      'no chat provider configured: set TULING_KEY (Tuling123) or OPENAI_API_KEY (OpenAI-compatible) in the environment or in .env',
      EXIT.usage,
    );
  }
  return settings;
}

const NETWORK_CODES = new Set(['TIMEOUT', 'NETWORK', 'ABORTED']);

/** Sends one text and prints the answer; returns the failure (message and exit code) instead of throwing. */
async function exchange({ p, provider, settings, opts }: Session, text: string): Promise<CliError | undefined> {
  try {
    const x = await provider.exchange(text, { userId: opts.user });
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: true, user: opts.user, ...x })}\n`);
    else process.stdout.write(`${p.replyToText(x.reply)}\n`);
    process.stderr.write(`(${x.provider}, ${x.latencyMs} ms)\n`);
    const budget = settings.budget.budgetMs;
    if (budget !== undefined && x.latencyMs > budget) {
      process.stderr.write(
        `note: inside \`wxbot serve\` the reply budget is ${budget} ms (WXBOT_CHAT_BUDGET_MS): users would get the fallback text\n`,
      );
    } else if (budget === undefined && x.latencyMs > p.DEFAULT_BUDGET_MS) {
      process.stderr.write(
        "note: too slow for the passive reply within WeChat's 5 s: `wxbot serve` delivers it later (the retry window, or the customer-service API with an AppSecret; docs/guide/slow-replies.md); with --slow-replies off users would get the fallback text\n",
      );
    }
    return undefined;
  } catch (e) {
    if (!p.isProviderError(e)) throw e;
    if (opts.json) {
      const error = {
        code: e.code,
        message: e.message,
        status: e.status,
        providerCode: e.providerCode,
        meaning: e.meaning,
      };
      process.stdout.write(`${JSON.stringify({ ok: false, user: opts.user, ...e.exchange, error })}\n`);
    }
    const exitCode = NETWORK_CODES.has(e.code) ? EXIT.network : e.code === 'NOT_CONFIGURED' ? EXIT.usage : EXIT.failure;
    return new CliError(p.describeProviderError(e), exitCode, { resultPrinted: opts.json });
  }
}

/** One line, one exchange, same user id throughout. Failures are shown and the prompt goes on. */
async function interactive(s: Session): Promise<CliError | undefined> {
  const { createInterface } = await import('node:readline');
  const tty = Boolean(process.stdin.isTTY);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: tty });
  process.stderr.write(`chatting with ${s.settings.name} as ${s.opts.user}; /exit or Ctrl-D to quit\n`);
  rl.setPrompt('you> ');
  if (tty) rl.prompt();
  let last: CliError | undefined;
  let sent = 0;
  let failures = 0;
  for await (const line of rl) {
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    if (text) {
      sent++;
      const failed = await exchange(s, text);
      if (failed) {
        failures++;
        last = failed;
        process.stderr.write(`wxbot: ${failed.message}\n`);
      }
    }
    if (tty) rl.prompt();
  }
  rl.close();
  // The exit status tells scripts piping lines in that something failed; details were printed above.
  return last && new CliError(`${failures} of ${sent} messages failed`, last.exitCode, { resultPrinted: s.opts.json });
}
