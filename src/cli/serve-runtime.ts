/**
 * What `wxbot serve` does, reusable by `wxbot tunnel`: resolve settings (flags > env > .env), open the
 * store, load the bot, start the server, print the banner and the request log.
 */
import { join } from 'node:path';
import type { Bot } from '../bot/bot.js';
import { DEV_SESSION_DIR, DEV_SESSION_FILE, removeDevSession, writeDevSession } from '../config/dev-session.js';
import type { Env } from '../config/env.js';
import { SecretMask, redisPassword, secretsFromEnv } from '../config/mask.js';
import type { ChatFailure } from '../providers/budget.js';
import type { ChatProvider } from '../providers/provider.js';
import type { RunningServer } from '../server/start.js';
import type { Exchange, HandlerOptions, LogRecord } from '../server/types.js';
import { maskRedisUrl } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { chalkFor } from './color.js';
import { maskLogRecord } from './log-mask.js';
import { CliError, EXIT } from './errors.js';
import { formatJson, formatPrettyParts } from './request-log.js';
import { requestLineRoom, writeRequestLine } from './request-line-bytes.js';
import { banner } from './serve-banner.js';
import { resolveServeSettings, type ServeFlags, type ServeSettings } from './serve-settings.js';
import { chatBudgetMs, keepRefusedAnswer } from './serve-slow.js';

export interface ServeIO {
  /** Request log lines (the command's output). Default process.stdout. */
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Banner and diagnostics. Default process.stderr. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Print the start-up banner. Default true (tunnel prints its own). */
  banner?: boolean;
  cwd?: string;
}

export interface ServeHandle {
  url: string;
  origin: string;
  port: number;
  path: string;
  settings: ServeSettings;
  server: RunningServer;
  store: Store;
  /** What is being served: 'demo' or the entry path. */
  botName: string;
  /** The web UI's address (with this run's key) when started with --ui. */
  uiUrl?: string;
  /** Where the generated Token was saved for `wxbot simulate` (.wxbot/dev-session.json), if it was. */
  devSessionPath?: string;
  close(): Promise<void>;
}

/**
 * `--ui`: the web UI next to the server. Its inspector sees every request while a page is open (all
 * the time when the history records anyway): without a watcher the server does no work for it.
 */
async function attachUi(
  server: RunningServer,
  s: ServeSettings,
  flags: ServeFlags,
  env: Env,
  cwd: string,
  stderr: NodeJS.WritableStream,
  history: ((x: Exchange) => void) | undefined,
  closers: (() => Promise<void> | void)[],
): Promise<string> {
  const { startUi } = await import('./serve-ui.js');
  let observe: ((x: Exchange) => void) | undefined;
  const watch = (on: boolean) => {
    const ui = on ? observe : undefined;
    server.handler.setOnExchange(
      ui && history
        ? (x) => {
            history(x);
            ui(x);
          }
        : (ui ?? history),
    );
  };
  const { ui } = await startUi({
    target: { url: server.url, token: s.token, aesKey: s.aesKey, appId: s.appId },
    flags,
    env,
    cwd,
    stderr,
    appSecret: s.appSecret,
    onWatched: (watched) => watch(watched || history !== undefined),
  });
  observe = (x) => ui.observe(x);
  if (history) watch(true);
  closers.push(() => ui.close());
  return ui.url;
}

async function demoBot(
  env: Env,
  onChatError?: (failure: ChatFailure) => void,
  budgetMs?: number,
): Promise<{ bot: Bot; name: string }> {
  const { createDemoBot } = await import('../bot/demo.js');
  const { providerFromEnv } = await import('../providers/index.js');
  let chosen: { name: string; provider: ChatProvider } | undefined;
  try {
    // The provider answers its fallback text on failure; onChatError puts the reason in the log.
    chosen = providerFromEnv(env, { onError: onChatError, budgetMs });
  } catch (err) {
    throw new CliError(`chat provider: ${(err as Error).message}`, EXIT.usage);
  }
  return {
    bot: createDemoBot(chosen ? { provider: chosen.provider, providerName: chosen.name } : {}),
    name: chosen
      ? `demo bot, chat provider: ${chosen.name}`
      : 'demo bot (echo; configure a chat provider for real answers)',
  };
}

/**
 * Starts the server exactly as `wxbot serve` does and returns a handle; the caller owns signals and exit.
 * `entry` is the user's bot module (undefined = the built-in demo bot).
 */
export async function startServeRuntime(
  entry: string | undefined,
  flags: ServeFlags,
  env: Env,
  io: ServeIO = {},
): Promise<ServeHandle> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const cwd = io.cwd ?? process.cwd();
  const s = resolveServeSettings(flags, env);

  let logChatFailure: ((f: ChatFailure) => void) | undefined;
  let loaded: { bot: Bot; name: string; files: string[] };
  if (entry) {
    const { loadEntry } = await import('./load-entry.js');
    const e = await loadEntry(entry, cwd);
    loaded = { bot: e.bot, name: entry, files: e.files };
  } else {
    loaded = { ...(await demoBot(env, (f) => logChatFailure?.(f), chatBudgetMs(s, env))), files: [] };
  }

  const { openStore } = await import('../store/open.js');
  let store: Store;
  try {
    store = await openStore(s.redisUrl, { maxEntries: s.memoryMaxEntries });
  } catch (err) {
    // A database the server does not have is a setting to fix, not a network problem.
    const badUrl = (err as { code?: unknown }).code === 'STORE_BAD_URL';
    throw new CliError(
      `${badUrl ? '--redis / REDIS_URL: ' : ''}cannot open the store at ${s.redisUrl ? maskRedisUrl(s.redisUrl) : 'memory'}: ${(err as Error).message}`,
      badUrl ? EXIT.usage : EXIT.network,
    );
  }

  const out = chalkFor(stdout, env);
  const { LineWriter } = await import('./line-writer.js');
  const log = LineWriter.forStdout(stdout, (err) => stderr.write(`wxbot: request log stopped: ${err.message}\n`));
  // The pretty line goes to the log as its parts, never joined into a string.
  const parts: string[] = [];
  // Without colour (a pipe, a file, journald) a request's line is encoded straight into the log's bytes.
  const direct = out.level === 0;
  // Every configured secret is masked in every record, whatever the format (see log-mask.ts).
  const secrets = new SecretMask([s.token, s.aesKey, s.appSecret, redisPassword(s.redisUrl), ...secretsFromEnv(env)]);
  const writeRecord =
    s.logFormat === 'json'
      ? (r: LogRecord) => log.line(formatJson(r))
      : (r: LogRecord) => {
          if (direct && r.type === 'request') {
            const room = requestLineRoom(r);
            if (room >= 0 && log.lineWith(room, r, writeRequestLine)) return;
          }
          log.lineParts(parts, formatPrettyParts(r, out, parts));
        };
  const onLog = (r: LogRecord) => writeRecord(maskLogRecord(r, secrets));
  // Chat provider failures (the user got the fallback text): one error line saying why, no secrets.
  logChatFailure = (f) =>
    onLog({
      type: 'error',
      level: 'error',
      time: Date.now(),
      error: {
        name: 'ChatProvider',
        code: f.providerCode === undefined ? f.code : `${f.code} ${f.providerCode}`,
        message: `${f.reason} (${f.latencyMs} ms); answered the fallback text`,
      },
    });

  // ---- wiring point for other features --------------------------------------------------------
  // Late replies: when WECHAT_APP_ID + WECHAT_APP_SECRET are set, the scale-out feature sends a
  // reply that missed the deadline through the customer-service API. Assign it here.
  const { SlowReplies } = await import('../bot/slow-reply.js');
  const slow = new SlowReplies(store, s.appId, s.slow);
  let onLateReply: HandlerOptions['onLateReply'];
  if (s.appId && s.appSecret && s.slow.strategy === 'custom-service') {
    const { createLateReplySender } = await import('../wechat-api/late-reply.js');
    onLateReply = createLateReplySender({
      appId: s.appId,
      appSecret: s.appSecret,
      store,
      apiBase: env.WECHAT_API_BASE,
      onRefused: keepRefusedAnswer(slow, onLog),
      onLog: (e) => {
        // Dropped replies join the request log (with WeChat's errcode); deliveries are a diagnostic.
        if (e.event === 'late_reply.sent') stderr.write(`wxbot: late ${e.msgtype} reply to ${e.openid} ${e.message}\n`);
        else
          onLog({
            type: 'error',
            level: 'error',
            time: Date.now(),
            openId: e.openid,
            msgType: e.msgtype,
            error: {
              name: 'LateReply',
              code: e.errcode === undefined ? e.reason : `${e.reason} ${e.errcode}`,
              message: `late reply dropped: ${e.message}`,
            },
          });
      },
    });
  }
  // Media replies (ctx.replyImage({ file })): uploaded once with the account; without an AppSecret
  // (local development) a placeholder media_id whose file the simulator and inspector can show.
  const { createMediaReplies } = await import('../wechat-api/media-cache.js');
  let mediaApi: import('../wechat-api/client.js').WechatApi | undefined;
  if (s.appId && s.appSecret) {
    const { createWechatApi } = await import('../wechat-api/client.js');
    mediaApi = createWechatApi({ appId: s.appId, appSecret: s.appSecret, store, apiBase: env.WECHAT_API_BASE });
  }
  const media = createMediaReplies({
    api: mediaApi,
    store,
    appId: s.appId,
    placeholderDir: mediaApi ? undefined : join(cwd, DEV_SESSION_DIR, 'media'),
    onLog: (e) => stderr.write(`wxbot: ${e.message}\n`),
  });
  // History: unless --no-history (flags.history === false), the history feature records every
  // exchange under .wxbot/ (secrets redacted). Assign it here.
  let onExchange: ((x: Exchange) => void) | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  let history: { setServerUrl(url: string): void } | undefined;
  if (flags.history !== false && !/^(0|off|false|no)$/i.test(env.WXBOT_HISTORY ?? '')) {
    const { createHistoryRecorder } = await import('../history/record.js');
    let warned = false;
    const recorder = createHistoryRecorder({
      cwd,
      secrets: [s.token, s.aesKey, s.appSecret, redisPassword(s.redisUrl), ...secretsFromEnv(env)],
      onError: (err) => {
        if (!warned) stderr.write(`wxbot: history not saved: ${(err as Error).message}\n`);
        warned = true;
      },
    });
    onExchange = recorder.onExchange;
    history = recorder;
    closers.push(() => recorder.close());
  }
  // ------------------------------------------------------------------------------------------------

  const { startServer } = await import('../server/start.js');
  let server: RunningServer;
  try {
    server = await startServer(loaded.bot, {
      host: s.host,
      port: s.port,
      path: s.path,
      token: s.token,
      encodingAESKey: s.aesKey,
      appId: s.appId,
      maxSkew: s.maxSkew,
      deadlineMs: s.deadlineMs,
      store,
      slowReplies: slow,
      claimLeaseMs: s.claimLeaseMs,
      lateLimitMs: s.slow.limitMs,
      onLog,
      onLateReply,
      media,
      onExchange,
    });
  } catch (err) {
    await store.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new CliError(
        `port ${s.port} on ${s.host} is already in use: pass --port <another> (or --port 0 for any free port)`,
      );
    if (e.code === 'EACCES')
      throw new CliError(`not allowed to listen on ${s.host}:${s.port} (ports below 1024 need privileges)`);
    throw err;
  }

  history?.setServerUrl(server.origin);

  let uiUrl: string | undefined;
  if (flags.ui) {
    try {
      uiUrl = await attachUi(server, s, flags, env, cwd, stderr, onExchange, closers);
    } catch (err) {
      await server.close();
      await store.close();
      throw err;
    }
  }

  let stopWatching: (() => void) | undefined;
  if (flags.watch && entry) {
    const { watchEntry } = await import('./watch-entry.js');
    stopWatching = watchEntry(entry, cwd, loaded.files, {
      onReload: (bot, files) => {
        server.handler.setBot(bot);
        stderr.write(`wxbot: reloaded ${entry}\n`);
        return files;
      },
      onError: (err) => stderr.write(`wxbot: reload failed, keeping the previous bot: ${(err as Error).message}\n`),
    });
  } else if (flags.watch) {
    stderr.write('wxbot: --watch needs an entry module; the demo bot has nothing to reload\n');
  }

  // Dev-session hand-off: only a generated Token needs handing over (a configured one is in env/.env already).
  let sessionPath: string | undefined;
  const owner = { pid: process.pid, token: s.token };
  const dropSession = () => {
    try {
      removeDevSession(cwd, owner);
    } catch {
      // best effort: a file left behind names a dead pid and is ignored
    }
  };
  if (s.tokenGenerated) {
    try {
      sessionPath = writeDevSession(cwd, {
        token: s.token,
        url: server.url,
        pid: process.pid,
        startedAt: new Date().toISOString(),
      });
      // A hard exit (second Ctrl-C, shutdown timeout) skips close(): still leave no file behind.
      process.once('exit', dropSession);
    } catch (err) {
      stderr.write(
        `wxbot: could not save ${DEV_SESSION_DIR}/${DEV_SESSION_FILE} for wxbot simulate: ${(err as Error).message}\n`,
      );
    }
  }

  if (io.banner !== false)
    stderr.write(banner(s, server.url, loaded.name, sessionPath !== undefined, chalkFor(stderr, env), uiUrl));

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    origin: server.origin,
    port: server.port,
    path: server.path,
    settings: s,
    server,
    store,
    botName: loaded.name,
    devSessionPath: sessionPath,
    uiUrl,
    close: () =>
      (closing ??= (async () => {
        if (sessionPath) {
          // First: a server that is shutting down must not be handed to the next wxbot simulate.
          dropSession();
          process.off('exit', dropSession);
        }
        stopWatching?.();
        await server.close();
        await log.close();
        for (const c of closers) await c();
        await store.close();
      })()),
  };
}
