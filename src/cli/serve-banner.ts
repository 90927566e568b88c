/** The start-up banner of `wxbot serve`: where it listens, in which mode, with which (masked) secrets, what next. */
import type { ChalkInstance } from 'chalk';
import { DEFAULT_SLOW_LIMIT_MS } from '../bot/slow-reply.js';
import { DEV_SESSION_DIR, DEV_SESSION_FILE } from '../config/dev-session.js';
import type { Env } from '../config/env.js';
import { maskSecret } from '../config/mask.js';
import { WECHAT_TIMEOUT_MS } from '../simulate/ids.js';
import { maskRedisUrl } from '../store/errors.js';
import type { ServeSettings } from './serve-settings.js';
import { bareSimulateUrl } from './simulate-options.js';

export function banner(
  s: ServeSettings,
  url: string,
  botName: string,
  sessionSaved: boolean,
  env: Env,
  c: ChalkInstance,
  uiUrl?: string,
): string {
  const mode = s.aesKey
    ? `plaintext, compatible and safe (AppID ${s.appId})`
    : 'plaintext only (set WECHAT_AES_KEY and WECHAT_APP_ID for compatible/safe mode)';
  // A generated Token is shown in full exactly once (the console needs it); wxbot simulate reads it from the file.
  const token = !s.tokenGenerated
    ? maskSecret(s.token)
    : sessionSaved
      ? `${c.bold(s.token)} ${c.yellow(`(generated for this run; saved for wxbot simulate in ${DEV_SESSION_DIR}/${DEV_SESSION_FILE})`)}\n` +
        `           ${c.dim('set WECHAT_TOKEN (or .env) to keep one across restarts')}`
      : `${c.bold(s.token)} ${c.yellow('(generated for this run; set WECHAT_TOKEN to keep one)')}`;
  const simulate = simulateHint(s, url, sessionSaved, env);
  const lines = [
    '',
    `  ${c.green.bold('wxbot serve')} ${c.dim('—')} ${botName}`,
    '',
    `  URL      ${c.cyan(url)}`,
    `  Listen   ${s.host}:${url.match(/:(\d+)\//)?.[1] ?? s.port}  path ${s.path}`,
    `  Mode     ${mode}`,
    `  Token    ${token}`,
    ...(s.aesKey ? [`  AESKey   ${maskSecret(s.aesKey)}`] : []),
    `  Slow     ${slowReplies(s)}`,
    ...(s.deadlineMs >= WECHAT_TIMEOUT_MS
      ? [
          `           ${c.yellow(`--deadline ${s.deadlineMs} ms is not before WeChat gives up (${WECHAT_TIMEOUT_MS / 1000} s): no answer reaches the user passively; 4500 (the default) leaves time to send`)}`,
        ]
      : []),
    `  Store    ${s.redisUrl ? `redis ${maskRedisUrl(s.redisUrl)}` : 'memory (one process; --redis for several replicas)'}`,
    ...(uiUrl
      ? [`  UI       ${c.cyan(uiUrl)}  ${c.dim('# the phone, the inspector, the menu (this machine only)')}`]
      : []),
    '',
    `  Next     ${c.bold(simulate)}   ${c.dim('# play WeChat in another terminal')}`,
    `           ${c.bold('wxbot tunnel')}   ${c.dim('# a public https URL for the WeChat console')}`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The `wxbot simulate` line that reaches this server from this directory: --url when a bare simulate
 * would send elsewhere (another port or host, a configured Token leaves no dev session to read it
 * from), --token when the generated one could not be saved.
 */
export function simulateHint(s: ServeSettings, url: string, sessionSaved: boolean, env: Env): string {
  let bare: string | undefined;
  try {
    bare = bareSimulateUrl(env, sessionSaved ? url : undefined);
  } catch {
    // An unusable WXBOT_URL: simulate would refuse it, so name this server's URL.
  }
  const flags = [
    ...(bare === url ? [] : [`--url ${shellWord(url)}`]),
    ...(s.tokenGenerated && !sessionSaved ? [`--token ${s.token}`] : []),
  ];
  return ['wxbot simulate text 你好', ...flags].join(' ');
}

/** `text` as one shell word: quoted when the path holds characters a shell would read (`;`, `&`, `(`…). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

/** What becomes of an answer slower than the deadline (docs/guide/slow-replies.md), in one line. */
function slowReplies(s: ServeSettings): string {
  const after = `answers after ${s.deadlineMs / 1000} s`;
  const limit = `up to ${(s.slow.limitMs ?? DEFAULT_SLOW_LIMIT_MS) / 1000} s`;
  switch (s.slow.strategy) {
    case 'retry-window':
      return `${after} go out on WeChat's later deliveries or with the user's next message, ${limit} (retry window)`;
    case 'custom-service':
      return `${after} go out as customer-service messages, ${limit} (AppSecret set)`;
    case 'off':
      return `${after} are dropped: the user gets nothing (--slow-replies off)`;
  }
}
