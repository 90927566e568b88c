/**
 * The flags every `wxbot simulate` command shares, and how they resolve:
 * flags > environment > .env, the same settings `wxbot serve` reads.
 */
import { Option, type Command } from 'commander';
import { readDevSession } from '../config/dev-session.js';
import { loadEnv, wechatSettings } from '../config/env.js';
import { httpUrl } from '../config/values.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_OPENID, WECHAT_TIMEOUT_MS } from '../simulate/ids.js';
import type { SimulateMode, SimulateSettings } from '../simulate/push.js';
import { CliError, EXIT } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:5050/wechat';

export interface SimulateFlags {
  url?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  mode?: SimulateMode;
  from?: string;
  to?: string;
  json?: boolean;
  raw?: boolean;
  timeout?: number;
  retry?: boolean;
  /** Write the exchanges as a conversation file (`wxbot test`). */
  save?: string;
}

export interface ResolvedSimulate {
  url: string;
  settings: SimulateSettings;
  from: string;
  to: string;
  timeoutMs: number;
  json: boolean;
  raw: boolean;
  retry: boolean;
}

/** `5`, `0.3`, `5s` are seconds; `300ms` is milliseconds. */
export function parseTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  const ms = m ? (m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new CliError(`--timeout must be seconds (5, 0.5) or milliseconds (300ms), got "${v}"`, EXIT.usage);
  return Math.round(ms);
}

export function addSimulateOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      `the server's WeChat endpoint (env WXBOT_URL, else serve's WXBOT_PORT or PORT and WXBOT_PATH, else the running \`wxbot serve\` in this directory; default ${DEFAULT_URL})`,
      (v: string) => httpUrl(v, '--url'),
    )
    .option(
      '--token <token>',
      'the Token from the console (env WECHAT_TOKEN; else the one `wxbot serve` generated in this directory)',
    )
    .option('--aes-key <key>', 'the EncodingAESKey, 43 characters (env WECHAT_AES_KEY)')
    .option('--app-id <id>', 'the AppID, wx… (env WECHAT_APP_ID)')
    .addOption(
      new Option('--mode <mode>', 'message encryption mode (default: safe with an AES key, else plain)').choices([
        'plain',
        'compat',
        'safe',
      ]),
    )
    .option('--from <openid>', `the user's OpenID (default ${DEFAULT_OPENID})`)
    .option('--to <gh_id>', `the account's 原始ID (default ${DEFAULT_ACCOUNT_ID})`)
    .option('--json', 'print one JSON object (one per line in the interactive chat)')
    .option('--raw', 'print the response body exactly as received; findings go to stderr')
    .option('--timeout <seconds>', 'deadline per request: 5 like WeChat, or e.g. 300ms', parseTimeout)
    .option('--retry', 're-send an unanswered message up to 3 times like WeChat and report each delivery');
}

/**
 * WXBOT_URL, else the address `wxbot serve` listens on with the same settings
 * (WXBOT_PORT or PORT, WXBOT_PATH), else http://127.0.0.1:5050/wechat.
 */
export function defaultUrl(env: Record<string, string | undefined>): string {
  if (env.WXBOT_URL) return httpUrl(env.WXBOT_URL, 'WXBOT_URL');
  const port = env.WXBOT_PORT ?? env.PORT;
  const path = env.WXBOT_PATH;
  if (!port && !path) return DEFAULT_URL;
  return `http://127.0.0.1:${port && port !== '0' ? port : '5050'}${path ? (path.startsWith('/') ? path : `/${path}`) : '/wechat'}`;
}

/**
 * Where `wxbot simulate` without --url sends: the running `wxbot serve`'s URL from the dev session
 * (when there is one and the environment does not name the server itself), else defaultUrl(env).
 */
export function bareSimulateUrl(env: Record<string, string | undefined>, sessionUrl?: string): string {
  return sessionUrl !== undefined && !urlConfigured(env) ? sessionUrl : defaultUrl(env);
}

/** True when the environment names the server itself (then a dev session's URL does not apply). */
function urlConfigured(env: Record<string, string | undefined>): boolean {
  return Boolean(env.WXBOT_URL || env.WXBOT_PORT || env.PORT);
}

export const NO_TOKEN_MESSAGE =
  'no Token: start `wxbot serve` in this directory (it hands its generated Token over through .wxbot/dev-session.json), or pass --token / set WECHAT_TOKEN (in the environment or .env)';

/**
 * flags > env > .env; with no Token configured anywhere, the Token (and, unless the URL is configured,
 * the URL) of the `wxbot serve` still running in `cwd`, from .wxbot/dev-session.json.
 */
export function resolveSimulate(flags: SimulateFlags, env = loadEnv(), cwd = process.cwd()): ResolvedSimulate {
  const s = wechatSettings({ token: flags.token, aesKey: flags.aesKey, appId: flags.appId }, env);
  let sessionUrl: string | undefined;
  if (!s.token) {
    const session = readDevSession(cwd);
    if (!session) throw new CliError(NO_TOKEN_MESSAGE, EXIT.usage);
    s.token = session.token;
    sessionUrl = session.url;
  }
  const mode: SimulateMode = flags.mode ?? (s.aesKey ? 'safe' : 'plain');
  if (mode !== 'plain') {
    if (!s.aesKey)
      throw new CliError(`--mode ${mode} needs the EncodingAESKey: pass --aes-key or set WECHAT_AES_KEY`, EXIT.usage);
    if (!s.appId) throw new CliError(`--mode ${mode} needs the AppID: pass --app-id or set WECHAT_APP_ID`, EXIT.usage);
    if (!/^[A-Za-z0-9]{43}$/.test(s.aesKey))
      throw new CliError('the EncodingAESKey must be exactly 43 letters and digits', EXIT.usage);
  }
  for (const [flag, v] of [
    ['--from', flags.from],
    ['--to', flags.to],
  ] as const) {
    // WeChat never sends an empty or spaced OpenID / account id: a bot keyed on it would see nonsense.
    if (v !== undefined && !/^[\w-]{1,64}$/.test(v))
      throw new CliError(`${flag} must be an id of 1 to 64 letters, digits, _ or -, got "${v}"`, EXIT.usage);
  }
  const settings: SimulateSettings = { token: s.token, mode };
  if (s.aesKey) settings.aesKey = s.aesKey;
  if (s.appId) settings.appId = s.appId;
  return {
    url: flags.url ?? bareSimulateUrl(env, sessionUrl),
    settings,
    from: flags.from ?? DEFAULT_OPENID,
    to: flags.to ?? DEFAULT_ACCOUNT_ID,
    timeoutMs: flags.timeout ?? WECHAT_TIMEOUT_MS,
    json: flags.json === true,
    raw: flags.raw === true,
    retry: flags.retry === true,
  };
}
