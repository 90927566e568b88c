import { join } from 'node:path';
import { readEnvFile } from './dotenv.js';
import { checkAppId } from './values.js';

export type Env = Record<string, string | undefined>;

/**
 * Reads `.env` in `cwd` (missing file = empty); values are never logged. An unreadable file or a
 * malformed line throws a ConfigError naming the path (and the line).
 */
export function readDotEnv(cwd: string): Env {
  return readEnvFile(join(cwd, '.env'));
}

/** The environment a command sees: process env wins over `.env` (flags win over both, in each command). */
export function loadEnv(cwd: string = process.cwd(), env: Env = process.env): Env {
  return { ...readDotEnv(cwd), ...stripEmpty(env) };
}

/**
 * Copies `.env` into process.env wherever the environment has no value, before a command runs the
 * user's bot module: a bot reads its own settings (a provider's API key) from process.env, and
 * should find the `.env` it shares with wxbot there, with the environment still winning.
 */
export function exportDotEnv(cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(readDotEnv(cwd))) {
    if (v !== undefined && (env[k] === undefined || env[k] === '')) env[k] = v;
  }
}

function stripEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** The WeChat account settings shared by serve, simulate, tunnel and the API commands. */
export interface WechatSettings {
  token?: string;
  aesKey?: string;
  appId?: string;
  appSecret?: string;
}

export interface WechatFlags {
  token?: string;
  aesKey?: string;
  appId?: string;
  appSecret?: string;
}

/**
 * flags > env > .env, for the account settings. An AppID that is set must look like one (`wx` and
 * 16 hex characters): a ConfigError names the flag or variable it came from.
 */
export function wechatSettings(flags: WechatFlags, env: Env): WechatSettings {
  const appId = flags.appId ?? env.WECHAT_APP_ID;
  if (appId !== undefined) checkAppId(appId, flags.appId !== undefined ? '--app-id' : 'WECHAT_APP_ID');
  return {
    token: flags.token ?? env.WECHAT_TOKEN,
    aesKey: flags.aesKey ?? env.WECHAT_AES_KEY ?? env.WECHAT_ENCODING_AES_KEY,
    appId,
    appSecret: flags.appSecret ?? env.WECHAT_APP_SECRET,
  };
}
