/**
 * `wxbot test`: settings (flags > env > .env), the bot or server to talk to, the run, the report.
 * Exit codes: 0 all passed, 1 a turn failed, 2 usage or file error, 3 server unreachable.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Bot } from '../bot/bot.js';
import { loadEnv, wechatSettings } from '../config/env.js';
import type { ConvoRunReport, RunConvoOptions } from '../testing/index.js';
import { chalkFor } from './color.js';
import type { TestFlags } from './commands/test.js';
import { withUnreachableHint } from '../simulate/errors.js';
import { CliError, EXIT } from './errors.js';

/** The entry `wxbot test` picks when --bot is not given. */
export const DEFAULT_ENTRIES = ['bot.mjs', 'bot.js', 'bot.ts'];

async function loadBot(entry: string | undefined, cwd: string): Promise<Bot> {
  const chosen = entry ?? DEFAULT_ENTRIES.find((f) => existsSync(join(cwd, f)));
  if (!chosen) {
    const { createDemoBot } = await import('../bot/demo.js');
    return createDemoBot();
  }
  const { loadEntry } = await import('./load-entry.js');
  return (await loadEntry(chosen, cwd)).bot;
}

async function options(flags: TestFlags, cwd: string): Promise<RunConvoOptions> {
  if (flags.url) {
    if (flags.bot) throw new CliError('--bot runs a bot in-process and --url talks to a server: pick one', EXIT.usage);
    if (flags.clock)
      throw new CliError('--clock fakes time in this process only: it needs the bot in-process, not --url', EXIT.usage);
    const { resolveSimulate } = await import('./simulate-options.js');
    const s = resolveSimulate({
      url: flags.url,
      token: flags.token,
      aesKey: flags.aesKey,
      appId: flags.appId,
      mode: flags.mode,
      timeout: flags.timeout,
    });
    return {
      url: s.url,
      token: s.settings.token,
      aesKey: s.settings.aesKey,
      appId: s.settings.appId,
      mode: s.settings.mode,
      timeoutMs: s.timeoutMs,
    };
  }
  const s = wechatSettings({ token: flags.token, aesKey: flags.aesKey, appId: flags.appId }, loadEnv());
  if (s.aesKey && !/^[A-Za-z0-9]{43}$/.test(s.aesKey))
    throw new CliError('the EncodingAESKey must be exactly 43 letters and digits', EXIT.usage);
  const o: RunConvoOptions = { bot: await loadBot(flags.bot, cwd), mode: flags.mode ?? (s.aesKey ? 'safe' : 'plain') };
  if (s.token) o.token = s.token;
  if (s.aesKey) o.aesKey = s.aesKey;
  if (s.appId) o.appId = s.appId;
  if (flags.clock) {
    const { parseClock } = await import('../testing/convo-parse.js');
    try {
      o.clock = parseClock(flags.clock);
    } catch (err) {
      throw new CliError((err as Error).message.replace('@clock', '--clock'), EXIT.usage);
    }
  }
  return o;
}

async function render(report: ConvoRunReport, reporter: TestFlags['reporter']): Promise<string> {
  const t = await import('../testing/report.js');
  if (reporter === 'tap') return t.formatTap(report);
  if (reporter === 'junit') return t.formatJunit(report);
  if (reporter === 'json') return t.formatJsonReport(report);
  const c = chalkFor(process.stdout);
  const paint = { pass: c.green, fail: c.red, warn: c.yellow, dim: c.dim, bold: c.bold };
  return t.formatTextReport(report, { columns: process.stdout.columns || 100, paint });
}

export async function runTest(paths: string[], flags: TestFlags): Promise<void> {
  const cwd = process.cwd();
  const reporter = flags.json ? 'json' : flags.reporter;
  const o = await options(flags, cwd);
  o.update = flags.update === true;
  const { runConvoFiles, ConvoFileError } = await import('../testing/index.js');
  let report: ConvoRunReport;
  try {
    report = await runConvoFiles(paths, { ...o, cwd });
  } catch (err) {
    if (err instanceof ConvoFileError) throw new CliError(err.message, EXIT.usage);
    throw err;
  }
  if (report.unreachable) {
    const u = report.unreachable;
    throw new CliError(`${withUnreachableHint(u.message, o.url)} (stopped at ${u.file}:${u.line})`, EXIT.network);
  }
  process.stdout.write(await render(report, reporter));
  process.exitCode = report.ok ? EXIT.ok : EXIT.failure;
}
