/**
 * `wxbot serve`'s settings: its flags (shared with `wxbot tunnel`) and how flags, the environment and
 * .env resolve into one validated set. Light on purpose: the command files import it at CLI start-up.
 */
import { Option, type Command } from 'commander';
import {
  chooseSlowStrategy,
  SLOW_REPLY_CHOICES,
  type SlowRepliesChoice,
  type SlowReplyOptions,
} from '../bot/slow-reply.js';
import { wechatSettings, type Env } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { decimalInt } from '../config/values.js';
import { generateToken, isValidAesKey } from '../protocol/crypto.js';
import { isWebhookPath, WEBHOOK_PATH_RULE } from '../server/webhook-path.js';
import { parseRedisUrl } from '../store/redis-url.js';
import { CliError, EXIT } from './errors.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  path?: string;
  token?: string;
  aesKey?: string;
  appId?: string;
  appSecret?: string;
  maxSkew?: string;
  deadline?: string;
  logFormat?: string;
  watch?: boolean;
  redis?: string;
  slowReplies?: string;
  /** `--no-history` (added by the history feature) sets this to false. */
  history?: boolean;
  /** The local web UI (phone, inspector, menu) on its own loopback port. */
  ui?: boolean;
  uiPort?: string;
  /** A menu.json for the UI's phone. */
  menu?: string;
}

/** Every serve flag, so `wxbot tunnel` can offer the very same ones. */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one (env WXBOT_PORT or PORT; default 5050)')
    .option('--host <host>', 'interface to bind (env WXBOT_HOST; default 0.0.0.0)')
    .option('--path <path>', 'webhook path (env WXBOT_PATH; default /wechat)')
    .option('--token <token>', 'Token from the WeChat console (env WECHAT_TOKEN; generated for the run when absent)')
    .option('--aes-key <key>', 'EncodingAESKey, enables compatible/safe mode (env WECHAT_AES_KEY)')
    .option('--app-id <id>', 'AppID, required with --aes-key (env WECHAT_APP_ID)')
    .option(
      '--app-secret <secret>',
      'AppSecret, for late replies through the customer-service API (env WECHAT_APP_SECRET)',
    )
    .option(
      '--max-skew <seconds>',
      'reject timestamps further than this from the clock; 0 disables (env WXBOT_MAX_SKEW; default 300)',
    )
    .option(
      '--deadline <ms>',
      'how long the bot has for the passive reply; past it --slow-replies decides (env WXBOT_DEADLINE_MS; default 4500)',
    )
    .addOption(
      new Option('--log-format <format>', 'request log format (env WXBOT_LOG_FORMAT; default pretty)').choices([
        'pretty',
        'json',
      ]),
    )
    .addOption(
      new Option(
        '--slow-replies <strategy>',
        'answers slower than the deadline: auto (custom-service with an AppSecret, else retry-window), custom-service, retry-window or off (env WXBOT_SLOW_REPLIES; default auto)',
      ).choices(SLOW_REPLY_CHOICES),
    )
    .option('--redis <url>', 'share dedupe/sessions through Redis (env REDIS_URL; default in memory)')
    .option('--watch', 'reload the entry module when its files change')
    .option('--ui', 'also serve the web UI (a phone, a live inspector, the custom menu) on 127.0.0.1')
    .option('--ui-port <port>', 'port of the web UI, on 127.0.0.1 only (default 5051; 0 picks a free one)')
    .option('--menu <file>', "menu.json for the UI's phone (default: the account's menu when an AppSecret is set)")
    .option(
      '--no-history',
      'do not record exchanges in .wxbot/history.ndjson (env WXBOT_HISTORY=off; production should)',
    );
}

export interface ServeSettings {
  host: string;
  port: number;
  path: string;
  token: string;
  /** True when no token was configured and one was generated for this run. */
  tokenGenerated: boolean;
  aesKey?: string;
  appId?: string;
  appSecret?: string;
  maxSkew: number;
  deadlineMs: number;
  logFormat: 'pretty' | 'json';
  redisUrl?: string;
  /** What a handler slower than the deadline does (docs/guide/slow-replies.md). */
  slow: SlowReplyOptions;
  /** How the strategy was chosen: the flag/env value (`auto` unless set). */
  slowChoice: SlowRepliesChoice;
  /** How long a message's claim in Redis lives unless its replica renews it. */
  claimLeaseMs: number;
  /** Most long-lived entries (sessions, chat memories) the in-memory store keeps (WXBOT_MEMORY_MAX_ENTRIES). */
  memoryMaxEntries?: number;
}

/** The first of the sources that is set, with the name of the setting it came from (for errors). */
function pick(sources: [string, string | undefined][]): [string, string] | undefined {
  for (const [name, v] of sources) if (v !== undefined) return [name, v];
  return undefined;
}

function int(sources: [string, string | undefined][], min: number, max: number): number | undefined {
  const found = pick(sources);
  return found && decimalInt(found[1], found[0], min, max);
}

/** flags > env > .env (env already merges .env), then defaults; validates without echoing secrets. */
export function resolveServeSettings(flags: ServeFlags, env: Env): ServeSettings {
  const w = wechatSettings(flags, env);
  if (w.aesKey !== undefined && !isValidAesKey(w.aesKey)) {
    throw new CliError(
      'the EncodingAESKey (--aes-key / WECHAT_AES_KEY) must be 43 characters of A-Z, a-z, 0-9',
      EXIT.usage,
    );
  }
  if (w.aesKey && !w.appId) {
    throw new CliError(
      'an EncodingAESKey needs the AppID too: it is checked inside every encrypted message. Add WECHAT_APP_ID=<开发者ID(AppID)> to .env (or --app-id; a test account / 测试号: the appID on its page), or remove WECHAT_AES_KEY if you only use 明文模式',
      EXIT.usage,
    );
  }
  if (w.token !== undefined && !/^[A-Za-z0-9]{3,32}$/.test(w.token)) {
    throw new CliError(
      'the Token (--token / WECHAT_TOKEN) must be 3-32 letters or digits, as the WeChat console requires',
      EXIT.usage,
    );
  }
  const path = webhookPath(flags.path, env);
  const logFormat = flags.logFormat ?? env.WXBOT_LOG_FORMAT ?? 'pretty';
  if (logFormat !== 'pretty' && logFormat !== 'json')
    throw new CliError(`log format must be pretty or json, got "${logFormat}"`, EXIT.usage);
  const token = w.token ?? generateToken();
  const slowChoice = (flags.slowReplies ?? env.WXBOT_SLOW_REPLIES ?? 'auto') as SlowRepliesChoice;
  if (!SLOW_REPLY_CHOICES.includes(slowChoice))
    throw new CliError(
      `slow replies (--slow-replies / WXBOT_SLOW_REPLIES) must be one of ${SLOW_REPLY_CHOICES.join(', ')}, got "${slowChoice}"`,
      EXIT.usage,
    );
  // Without the account there is no customer-service API: late answers would be dropped in silence.
  if (slowChoice === 'custom-service' && !(w.appId && w.appSecret))
    throw new CliError(
      'slow replies custom-service (--slow-replies / WXBOT_SLOW_REPLIES) send late answers through the customer-service API: set WECHAT_APP_ID and WECHAT_APP_SECRET, or use auto (the retry window without them)',
      EXIT.usage,
    );
  return {
    host: flags.host ?? env.WXBOT_HOST ?? '0.0.0.0',
    port:
      int(
        [
          ['--port', flags.port],
          ['WXBOT_PORT', env.WXBOT_PORT],
          ['PORT', env.PORT],
        ],
        0,
        65535,
      ) ?? 5050,
    path,
    token,
    tokenGenerated: w.token === undefined,
    aesKey: w.aesKey,
    appId: w.appId,
    appSecret: w.appSecret,
    maxSkew:
      int(
        [
          ['--max-skew', flags.maxSkew],
          ['WXBOT_MAX_SKEW', env.WXBOT_MAX_SKEW],
        ],
        0,
        10 * 365 * 86400,
      ) ?? 300,
    deadlineMs:
      int(
        [
          ['--deadline', flags.deadline],
          ['WXBOT_DEADLINE_MS', env.WXBOT_DEADLINE_MS],
        ],
        1,
        60_000,
      ) ?? 4500,
    logFormat,
    memoryMaxEntries: int([['WXBOT_MEMORY_MAX_ENTRIES', env.WXBOT_MEMORY_MAX_ENTRIES]], 1, 100_000_000),
    redisUrl: redisUrl(
      pick([
        ['--redis', flags.redis],
        ['REDIS_URL', env.REDIS_URL],
      ]),
    ),
    slow: slowSettings(env, chooseSlowStrategy(slowChoice, w)),
    slowChoice,
    claimLeaseMs: int([['WXBOT_CLAIM_LEASE_MS', env.WXBOT_CLAIM_LEASE_MS]], 50, 60_000) ?? 3000,
  };
}

/** The webhook path (--path, WXBOT_PATH), a leading / added; refused when no request could ever match it. */
export function webhookPath(flag: string | undefined, env: Env): string {
  const found = pick([
    ['--path', flag],
    ['WXBOT_PATH', env.WXBOT_PATH],
  ]);
  if (!found) return '/wechat';
  const path = found[1].startsWith('/') ? found[1] : `/${found[1]}`;
  if (!isWebhookPath(path)) {
    throw new CliError(
      `the webhook path (${found[0]}) must be ${WEBHOOK_PATH_RULE} (no spaces, ?, #, % or non-ASCII), got ${JSON.stringify(found[1])}`,
      EXIT.usage,
    );
  }
  return path;
}

/** The retry window's texts and timings: all settings, so what the user sees can be tested and translated. */
function slowSettings(env: Env, strategy: SlowReplyOptions['strategy']): SlowReplyOptions {
  const o: SlowReplyOptions = { strategy };
  if (env.WXBOT_SLOW_WAITING_TEXT) o.waitingText = env.WXBOT_SLOW_WAITING_TEXT;
  if (env.WXBOT_SLOW_FETCH_KEYWORD) o.fetchKeyword = env.WXBOT_SLOW_FETCH_KEYWORD.trim();
  const ttl = int([['WXBOT_SLOW_PENDING_TTL_MS', env.WXBOT_SLOW_PENDING_TTL_MS]], 1000, 7 * 86_400_000);
  if (ttl !== undefined) o.pendingTtlMs = ttl;
  const hold = int([['WXBOT_SLOW_HOLD_MS', env.WXBOT_SLOW_HOLD_MS]], 1, 60_000);
  if (hold !== undefined) o.holdMs = hold;
  const limit = int([['WXBOT_SLOW_LIMIT_MS', env.WXBOT_SLOW_LIMIT_MS]], 1, 3_600_000);
  if (limit !== undefined) o.limitMs = limit;
  return o;
}

/** The Redis URL, read strictly now: a typo must stop start-up, not send the fleet to database 0. */
function redisUrl(found: [string, string] | undefined): string | undefined {
  if (!found) return undefined;
  try {
    parseRedisUrl(found[1]);
  } catch (err) {
    throw new ConfigError(found[0], `${found[0]}: ${(err as Error).message}`, { cause: err });
  }
  return found[1];
}
