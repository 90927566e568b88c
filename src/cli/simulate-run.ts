/**
 * Runs one simulated push or URL check and prints it: chat rendering, --json or --raw.
 * Exit codes: 0 clean (warnings allowed), 1 problems, 2 usage, 3 server unreachable.
 */
import type { SimulateResult } from '../simulate/send.js';
import { SimulateError, withUnreachableHint } from '../simulate/errors.js';
import { CliError, EXIT } from './errors.js';
import type { BoundBuild } from './simulate-kinds.js';
import { resolveSimulate, type ResolvedSimulate, type SimulateFlags } from './simulate-options.js';

/** After one unanswered delivery: WeChat would deliver again, and some servers answer only then. */
export const RETRY_HINT =
  "hint: WeChat delivers an unanswered message again, and a server may answer only a later delivery (wxbot serve's retry window for slow answers does): add --retry to play WeChat's deliveries";

const out = (s: string) => process.stdout.write(s.endsWith('\n') || s === '' ? s : `${s}\n`);

/** The documented --json shape; `request`, `decrypted` and `deliveries` come after the core fields. */
export function resultJson(r: SimulateResult): Record<string, unknown> {
  const j: Record<string, unknown> = {
    status: r.status,
    ms: r.ms,
    reply: r.reply,
    ack: r.ack,
    raw: r.raw,
    problems: r.problems,
    warnings: r.warnings,
  };
  if (r.decrypted !== undefined) j.decrypted = r.decrypted;
  j.request = r.request;
  if (r.deliveries) j.deliveries = r.deliveries;
  if (r.answeredBy !== undefined) j.answeredBy = r.answeredBy;
  return j;
}

/** The --json shape when the server could not be reached: the same fields, empty, and `error`. */
export function unreachableJson(error: string): Record<string, unknown> {
  return { status: null, ms: 0, reply: null, ack: null, raw: null, problems: [], warnings: [], error };
}

/**
 * What to say when nothing answers at `url`. Without --url, the server may well be running elsewhere:
 * a `wxbot serve` with a configured Token leaves no dev session to find it by.
 */
export function unreachableMessage(error: string, url: string, urlGiven: boolean): string {
  const hinted = withUnreachableHint(error, url);
  // A TLS failure says its own remedy (withUnreachableHint leaves it as it is).
  if (urlGiven || hinted === error) return hinted;
  return `${hinted} If it listens elsewhere, pass its URL with --url (wxbot serve's banner shows it).`;
}

// A network failure still prints JSON when asked, so scripts always get an object on stdout.
async function unreachable(cfg: ResolvedSimulate, urlGiven: boolean, err: unknown): Promise<never> {
  if (err instanceof SimulateError && err.code === 'SIMULATE_NETWORK') {
    if (cfg.json) out(JSON.stringify(unreachableJson(err.message)));
    throw new CliError(unreachableMessage(err.message, cfg.url, urlGiven), EXIT.network, {
      resultPrinted: cfg.json,
    });
  }
  if (err instanceof SimulateError) throw new CliError(err.message, EXIT.usage);
  throw err;
}

async function printFindings(problems: string[], warnings: string[]): Promise<void> {
  const [{ renderFindings }, { chalkFor }] = await Promise.all([import('./simulate-render.js'), import('./color.js')]);
  for (const line of renderFindings(problems, warnings, chalkFor(process.stderr))) process.stderr.write(`${line}\n`);
}

export async function runSend(build: BoundBuild, flags: SimulateFlags): Promise<void> {
  const cfg = resolveSimulate(flags);
  const [messages, { sendMessage }] = await Promise.all([
    import('../simulate/messages.js'),
    import('../simulate/send.js'),
  ]);
  const message = build(messages, { from: cfg.from, to: cfg.to });
  let r: SimulateResult;
  try {
    r = await sendMessage({
      url: cfg.url,
      message,
      settings: cfg.settings,
      timeoutMs: cfg.timeoutMs,
      retry: cfg.retry,
    });
  } catch (err) {
    return unreachable(cfg, flags.url !== undefined, err);
  }
  if (flags.save) new (await import('./simulate-save.js')).ConvoRecorder(flags.save).add(message, r);
  if (cfg.json) out(JSON.stringify(resultJson(r)));
  else if (cfg.raw) {
    process.stdout.write(r.raw ?? '');
    await printFindings(r.problems, r.warnings);
  } else {
    const { renderResult } = await import('./simulate-render.js');
    out(renderResult(message, r, cfg.settings.mode));
    if (r.status === null && !cfg.retry) process.stderr.write(`${RETRY_HINT}\n`);
  }
  process.exitCode = r.problems.length ? EXIT.failure : EXIT.ok;
}

export async function runVerify(flags: SimulateFlags & { echostr?: string; probe?: boolean }): Promise<void> {
  const cfg = resolveSimulate(flags);
  const { verifyUrl } = await import('../simulate/verify.js');
  let r;
  try {
    r = await verifyUrl({
      url: cfg.url,
      token: cfg.settings.token,
      timeoutMs: cfg.timeoutMs,
      echostr: flags.echostr,
      probeBadSignature: flags.probe !== false,
    });
  } catch (err) {
    return unreachable(cfg, flags.url !== undefined, err);
  }
  if (cfg.json) out(JSON.stringify(r));
  else if (cfg.raw) {
    process.stdout.write(r.raw ?? '');
    await printFindings(r.problems, r.warnings);
  } else {
    const { renderVerify } = await import('./simulate-render.js');
    out(renderVerify(r));
  }
  process.exitCode = r.ok ? EXIT.ok : EXIT.failure;
}
