/**
 * The account options and error mapping shared by the commands that call the WeChat API (menu,
 * media, qrcode, template): flags > environment > .env, and one set of exit codes (1 WeChat refused
 * or the input is invalid, 2 missing configuration, 3 network).
 */
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';

export interface AccountFlags {
  appId?: string;
  appSecret?: string;
  apiBase?: string;
  json?: boolean;
}

export function withAccountOptions(cmd: Command): Command {
  return cmd
    .option('--app-id <id>', 'AppID (default: WECHAT_APP_ID from the environment or .env)')
    .option('--app-secret <secret>', 'AppSecret (default: WECHAT_APP_SECRET)')
    .option('--api-base <url>', 'WeChat API base URL (default: WECHAT_API_BASE or https://api.weixin.qq.com)')
    .option('--json', 'print JSON only');
}

/** Loads the client (and undici) only when the command runs. `what` names the feature in the error. */
export async function accountApi(flags: AccountFlags, what: string) {
  const { loadEnv, wechatSettings } = await import('../config/index.js');
  const { createWechatApi } = await import('../wechat-api/client.js');
  const env = loadEnv();
  const { appId, appSecret } = wechatSettings({ appId: flags.appId, appSecret: flags.appSecret }, env);
  if (!appId || !appSecret) {
    throw new CliError(
      `${what} need the account: set WECHAT_APP_ID and WECHAT_APP_SECRET (flags, environment or .env)`,
      EXIT.usage,
    );
  }
  const apiBase = flags.apiBase ?? env.WECHAT_API_BASE;
  if (apiBase !== undefined && !/^https?:\/\/[^/]/i.test(apiBase.trim())) {
    const setting = flags.apiBase !== undefined ? '--api-base' : 'WECHAT_API_BASE';
    throw new CliError(
      `${setting} must be an http(s) URL such as https://api.weixin.qq.com, got "${apiBase}"`,
      EXIT.usage,
    );
  }
  return { api: createWechatApi({ appId, appSecret, apiBase }), env };
}

/** Runs a command body; WeChat API errors become CLI errors with the shared exit codes. */
export async function runWechat(action: () => Promise<void>): Promise<void> {
  const { WechatApiError } = await import('../wechat-api/errors.js');
  try {
    await action();
  } catch (err) {
    if (!(err instanceof WechatApiError)) throw err;
    const network = err.code === 'WECHAT_NETWORK' || err.code === 'WECHAT_HTTP';
    throw new CliError(err.message, network ? EXIT.network : err.code === 'WECHAT_CONFIG' ? EXIT.usage : EXIT.failure);
  }
}

export const out = (s: string) => process.stdout.write(`${s}\n`);
