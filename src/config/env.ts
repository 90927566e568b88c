import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export type Env = Record<string, string | undefined>;

/** Reads `.env` in `cwd` (missing file = empty); values are never logged. */
export function readDotEnv(cwd: string): Env {
  let src: string;
  try {
    src = readFileSync(join(cwd, '.env'), 'utf8');
  } catch {
    return {};
  }
  return parseEnv(src) as Env;
}

/** The environment a command sees: process env wins over `.env` (flags win over both, in each command). */
export function loadEnv(cwd: string = process.cwd(), env: Env = process.env): Env {
  return { ...readDotEnv(cwd), ...stripEmpty(env) };
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

/** flags > env > .env, for the account settings. */
export function wechatSettings(flags: WechatFlags, env: Env): WechatSettings {
  return {
    token: flags.token ?? env.WECHAT_TOKEN,
    aesKey: flags.aesKey ?? env.WECHAT_AES_KEY ?? env.WECHAT_ENCODING_AES_KEY,
    appId: flags.appId ?? env.WECHAT_APP_ID,
    appSecret: flags.appSecret ?? env.WECHAT_APP_SECRET,
  };
}
