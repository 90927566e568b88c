/**
 * What `wxbot serve` does, reusable by `wxbot tunnel`: resolve settings (flags > env > .env), load the
 * bot, open the store and the request log, wire the replies that leave the request (late, media) and
 * the history, listen, then the extras (web UI, --watch, the dev-session hand-off) and the banner.
 * startServeRuntime reads as that list; each step is a function below it or in its own serve-* module.
 */
import { join } from 'node:path';
import type { Bot } from '../bot/bot.js';
import { DEV_SESSION_DIR } from '../config/dev-session.js';
import type { Env } from '../config/env.js';
import { redisPassword, secretsFromEnv } from '../config/mask.js';
import type { ChatFailure } from '../providers/budget.js';
import type { ChatProvider } from '../providers/provider.js';
import type { RunningServer } from '../server/start.js';
import type { Exchange, HandlerOptions } from '../server/types.js';
import { maskRedisUrl } from '../store/errors.js';
import type { Store } from '../store/store.js';
import { chalkFor } from './color.js';
import { CliError, EXIT } from './errors.js';
import { banner } from './serve-banner.js';
import { handOffDevSession } from './serve-dev-session.js';
import { chatFailureLogger, openRequestLog } from './serve-log.js';
import { resolveServeSettings, type ServeFlags, type ServeSettings } from './serve-settings.js';
import { lateReplies } from './serve-slow.js';

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
  const secrets = configuredSecrets(s, env);

  // The demo bot's chat provider reports its failures to the request log, which opens after the store.
  let logChatFailure: ((f: ChatFailure) => void) | undefined;
  const loaded = await loadBot(entry, cwd, env, (f) => logChatFailure?.(f));
  const store = await openServeStore(s);
  const log = await openRequestLog(s, env, secrets, stdout, stderr);
  logChatFailure = chatFailureLogger(log.onLog);

  // What the server does besides answering within the deadline: each step gives it handler options.
  const { slow, onLateReply } = await lateReplies(s, store, env, log.onLog, stderr);
  const media = await mediaReplies(s, store, env, cwd, stderr);
  const history = await historyRecorder(flags, env, cwd, secrets, stderr);

  const server = await listen(s, loaded.bot, store, {
    slowReplies: slow,
    onLog: log.onLog,
    onLateReply,
    media,
    onExchange: history?.onExchange,
  });
  history?.setServerUrl(server.origin);
  const ui = flags.ui ? await uiOrClose(server, store, s, flags, env, cwd, stderr, history?.onExchange) : undefined;
  const stopWatching = await watchBot(entry, flags, cwd, loaded.files, server, stderr);
  const session = handOffDevSession(s, cwd, server.url, stderr);

  if (io.banner !== false)
    stderr.write(banner(s, server.url, loaded.name, session.path !== undefined, env, chalkFor(stderr, env), ui?.url));

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
    devSessionPath: session.path,
    uiUrl: ui?.url,
    close: () =>
      (closing ??= (async () => {
        // First: a server that is shutting down must not be handed to the next wxbot simulate.
        session.drop();
        stopWatching?.();
        await server.close();
        await log.close();
        await history?.close();
        await ui?.close();
        await store.close();
      })()),
  };
}

/** Every secret the configuration holds: masked in the request log, redacted in the history. */
function configuredSecrets(s: ServeSettings, env: Env): (string | undefined)[] {
  return [s.token, s.aesKey, s.appSecret, redisPassword(s.redisUrl), ...secretsFromEnv(env)];
}

/** The user's entry module (with the files it imports, for --watch), or the built-in demo bot. */
async function loadBot(
  entry: string | undefined,
  cwd: string,
  env: Env,
  onChatError: (failure: ChatFailure) => void,
): Promise<{ bot: Bot; name: string; files: string[] }> {
  if (entry) {
    const { loadEntry } = await import('./load-entry.js');
    const e = await loadEntry(entry, cwd);
    return { bot: e.bot, name: entry, files: e.files };
  }
  return { ...(await demoBot(env, onChatError)), files: [] };
}

async function demoBot(env: Env, onChatError?: (failure: ChatFailure) => void): Promise<{ bot: Bot; name: string }> {
  const { createDemoBot } = await import('../bot/demo.js');
  const { providerFromEnv } = await import('../providers/index.js');
  let chosen: { name: string; provider: ChatProvider } | undefined;
  try {
    // The provider answers its fallback text on failure; onChatError puts the reason in the log.
    chosen = providerFromEnv(env, { onError: onChatError });
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

async function openServeStore(s: ServeSettings): Promise<Store> {
  const { openStore } = await import('../store/open.js');
  try {
    return await openStore(s.redisUrl, { maxEntries: s.memoryMaxEntries });
  } catch (err) {
    // A database the server does not have is a setting to fix, not a network problem.
    const badUrl = (err as { code?: unknown }).code === 'STORE_BAD_URL';
    throw new CliError(
      `${badUrl ? '--redis / REDIS_URL: ' : ''}cannot open the store at ${s.redisUrl ? maskRedisUrl(s.redisUrl) : 'memory'}: ${(err as Error).message}`,
      badUrl ? EXIT.usage : EXIT.network,
    );
  }
}

/**
 * Media replies (ctx.replyImage({ file })): uploaded once with the account; without an AppSecret
 * (local development) a placeholder media_id whose file the simulator and inspector can show.
 */
async function mediaReplies(
  s: ServeSettings,
  store: Store,
  env: Env,
  cwd: string,
  stderr: NodeJS.WritableStream,
): Promise<HandlerOptions['media']> {
  const { createMediaReplies } = await import('../wechat-api/media-cache.js');
  let api: import('../wechat-api/client.js').WechatApi | undefined;
  if (s.appId && s.appSecret) {
    const { createWechatApi } = await import('../wechat-api/client.js');
    api = createWechatApi({ appId: s.appId, appSecret: s.appSecret, store, apiBase: env.WECHAT_API_BASE });
  }
  return createMediaReplies({
    api,
    store,
    appId: s.appId,
    placeholderDir: api ? undefined : join(cwd, DEV_SESSION_DIR, 'media'),
    onLog: (e) => stderr.write(`wxbot: ${e.message}\n`),
  });
}

/** History: unless --no-history (or WXBOT_HISTORY=0), every exchange is recorded under .wxbot/ (secrets redacted). */
async function historyRecorder(
  flags: ServeFlags,
  env: Env,
  cwd: string,
  secrets: readonly (string | undefined)[],
  stderr: NodeJS.WritableStream,
) {
  if (flags.history === false || /^(0|off|false|no)$/i.test(env.WXBOT_HISTORY ?? '')) return undefined;
  const { createHistoryRecorder } = await import('../history/record.js');
  let warned = false;
  return createHistoryRecorder({
    cwd,
    secrets,
    onError: (err) => {
      if (!warned) stderr.write(`wxbot: history not saved: ${(err as Error).message}\n`);
      warned = true;
    },
  });
}

/** startServer with the settings; the usual listen errors say what to do. On failure the store is closed. */
async function listen(
  s: ServeSettings,
  bot: Bot,
  store: Store,
  more: Pick<HandlerOptions, 'slowReplies' | 'onLog' | 'onLateReply' | 'media' | 'onExchange'>,
): Promise<RunningServer> {
  const { startServer } = await import('../server/start.js');
  try {
    return await startServer(bot, {
      host: s.host,
      port: s.port,
      path: s.path,
      token: s.token,
      encodingAESKey: s.aesKey,
      appId: s.appId,
      maxSkew: s.maxSkew,
      deadlineMs: s.deadlineMs,
      store,
      claimLeaseMs: s.claimLeaseMs,
      lateLimitMs: s.slow.limitMs,
      ...more,
    });
  } catch (err) {
    await store.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      const { wxbotListensOn } = await import('./port-owner.js');
      if (await wxbotListensOn(s.host, s.port))
        throw new CliError(
          `port ${s.port} on ${s.host} is already in use by another wxbot server (a \`wxbot serve\`, \`npm run dev\` or \`wxbot tunnel\` still running): stop that one first (\`wxbot tunnel\` runs the bot itself, and reloads it on save with --watch), or pass --port 0 for any free port`,
        );
      throw new CliError(
        `port ${s.port} on ${s.host} is already in use: pass --port <another> (or --port 0 for any free port)`,
      );
    }
    if (e.code === 'EACCES')
      throw new CliError(`not allowed to listen on ${s.host}:${s.port} (ports below 1024 need privileges)`);
    // An address of another machine, or a name that does not resolve: --host is where this one listens.
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
      throw new CliError(
        `cannot listen on ${s.host} (--host or WXBOT_HOST): ${e.code === 'EADDRNOTAVAIL' ? 'not an address of this machine' : 'no such host'} (${e.code}); use 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of this machine's addresses`,
        EXIT.usage,
      );
    throw err;
  }
}

/** --ui: the web UI beside the server (serve-ui.ts, loaded only then); if it cannot start, nothing stays open. */
async function uiOrClose(
  server: RunningServer,
  store: Store,
  s: ServeSettings,
  flags: ServeFlags,
  env: Env,
  cwd: string,
  stderr: NodeJS.WritableStream,
  history: ((x: Exchange) => void) | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  try {
    const { attachUi } = await import('./serve-ui.js');
    return await attachUi(server, s, flags, env, cwd, stderr, history);
  } catch (err) {
    await server.close();
    await store.close();
    throw err;
  }
}

/** --watch: the entry reloaded into the running server when it or a file it imports changes. */
async function watchBot(
  entry: string | undefined,
  flags: ServeFlags,
  cwd: string,
  files: string[],
  server: RunningServer,
  stderr: NodeJS.WritableStream,
): Promise<(() => void) | undefined> {
  if (!flags.watch) return undefined;
  if (!entry) {
    stderr.write('wxbot: --watch needs an entry module; the demo bot has nothing to reload\n');
    return undefined;
  }
  const { watchEntry } = await import('./watch-entry.js');
  return watchEntry(entry, cwd, files, {
    onReload: (bot, files) => {
      server.handler.setBot(bot);
      stderr.write(`wxbot: reloaded ${entry}\n`);
      return files;
    },
    onError: (err) => stderr.write(`wxbot: reload failed, keeping the previous bot: ${(err as Error).message}\n`),
  });
}
