/**
 * What `wxbot tunnel` does: a local server (ours, or `--to` someone else's), a public URL (ngrok or
 * `--public-url`), a self-check through that URL, the console values, then the request log until Ctrl-C.
 */
import { decimalInt } from '../../config/values.js';
import { loadEnv, wechatSettings, type Env } from '../../config/env.js';
import type { ConsoleEncryptionMode } from '../../tunnel/console-settings.js';
import type { SelfCheckResult } from '../../tunnel/self-check.js';
import { TunnelError, type TunnelErrorCode } from '../../tunnel/errors.js';
import type { Tunnel, TunnelProvider } from '../../tunnel/provider.js';
import { CliError, EXIT } from '../errors.js';
import { writeUnmasked } from '../output-mask.js';
import { onStopSignals } from '../stop-signals.js';
import { webhookPath, type ServeFlags } from '../serve-settings.js';
import { createProgress, type Progress } from './tunnel-progress.js';

export interface TunnelFlags extends ServeFlags {
  to?: string;
  publicUrl?: string;
  authtoken?: string;
  domain?: string;
  connectTimeout?: string;
  ngrokServerAddr?: string;
  check?: boolean;
  json?: boolean;
  showSecrets?: boolean;
}

/** The server behind the tunnel, whoever runs it. */
interface Local {
  port: number;
  host: string;
  path: string;
  token: string;
  tokenGenerated: boolean;
  aesKey?: string;
  appId?: string;
  /** True when our own server logs the requests. */
  logs: boolean;
  /** The web UI's address, with --ui. */
  uiUrl?: string;
  close(): Promise<void>;
}

// Nothing answering on the --to port is a server that cannot be reached, as in `wxbot simulate`: 3.
const EXIT_FOR: Partial<Record<TunnelErrorCode, number>> = {
  AUTHTOKEN_MISSING: EXIT.usage,
  BAD_PUBLIC_URL: EXIT.usage,
  TIMEOUT: EXIT.network,
  UNREACHABLE: EXIT.network,
  LOCAL_DOWN: EXIT.network,
};

function cliErrorOf(err: TunnelError): CliError {
  return new CliError(`${err.message}\n  ${err.hint}`, EXIT_FOR[err.code] ?? EXIT.failure);
}

/** A flag in seconds, as milliseconds; `fallbackMs` when it is not given. */
function seconds(name: string, v: string | undefined, fallbackMs: number): number {
  if (v === undefined) return fallbackMs;
  const n = Number(v);
  if (!(n > 0 && n <= 600))
    throw new CliError(`${name} must be a number of seconds from 0 to 600, got "${v}"`, EXIT.usage);
  return Math.round(n * 1000);
}

async function attachLocal(entry: string | undefined, f: TunnelFlags, env: Env, json: boolean): Promise<Local> {
  if (f.to === undefined) {
    const { startServeRuntime } = await import('../serve-runtime.js');
    // With --json, stdout carries one JSON object only: the request log moves to stderr.
    const h = await startServeRuntime(entry, f, env, { banner: false, stdout: json ? process.stderr : process.stdout });
    const s = h.settings;
    return {
      port: h.port,
      host: s.host,
      path: h.path,
      token: s.token,
      tokenGenerated: s.tokenGenerated,
      aesKey: s.aesKey,
      appId: s.appId,
      logs: true,
      uiUrl: h.uiUrl,
      close: () => h.close(),
    };
  }
  if (entry)
    throw new CliError(
      '--to exposes a server that is already running: drop the entry module, or drop --to to let wxbot serve it',
      EXIT.usage,
    );
  const ignored = (['port', 'host', 'watch', 'redis', 'maxSkew', 'deadline', 'logFormat'] as const).filter(
    (k) => f[k] !== undefined,
  );
  if (ignored.length)
    process.stderr.write(
      `wxbot: --to: ignoring ${ignored.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} (they configure wxbot's own server)\n`,
    );
  const port = decimalInt(f.to, '--to', 1, 65535);
  const w = wechatSettings(f, env);
  if (!w.token) {
    throw new CliError(
      'with --to, wxbot needs the Token your server checks (--token or WECHAT_TOKEN) for the self-check and the console values',
      EXIT.usage,
    );
  }
  const path = webhookPath(f.path, env);
  const { probeLocalPort } = await import('../../tunnel/probe.js');
  await probeLocalPort(port).catch((e: unknown) => {
    throw e instanceof TunnelError ? cliErrorOf(e) : e;
  });
  return {
    port,
    host: '127.0.0.1',
    path,
    token: w.token,
    tokenGenerated: false,
    aesKey: w.aesKey,
    appId: w.appId,
    logs: false,
    close: async () => undefined,
  };
}

async function providerFor(f: TunnelFlags, env: Env): Promise<TunnelProvider> {
  const tunnel = await import('../../tunnel/index.js');
  if (f.publicUrl) {
    try {
      return tunnel.createPublicUrlProvider(f.publicUrl);
    } catch (e) {
      throw e instanceof TunnelError ? cliErrorOf(e) : e;
    }
  }
  return tunnel.createNgrokProvider({
    authtoken: f.authtoken ?? env.NGROK_AUTHTOKEN,
    domain: f.domain ?? env.NGROK_DOMAIN,
    serverAddr: f.ngrokServerAddr ?? env.NGROK_SERVER_ADDR,
    timeoutMs: seconds('--connect-timeout', f.connectTimeout, tunnel.DEFAULT_NGROK_TIMEOUT_MS),
  });
}

/** Where a setting's value comes from, as the user would look for it: the flag, the environment, or .env. */
function sourceOf(flag: string, given: string | undefined, names: readonly string[], env: Env): string {
  if (given !== undefined) return flag;
  const name = names.find((n) => process.env[n]) ?? names.find((n) => env[n]) ?? names[0]!;
  return process.env[name] ? name : `${name} in .env`;
}

function reportCheck(c: SelfCheckResult, err: NodeJS.WritableStream): void {
  const names = {
    verify: 'URL verification (signed GET, as the console sends on 提交)',
    message: `signed text message, ${c.mode} mode`,
  };
  for (const s of c.steps) {
    const how = s.status === null ? '' : ` · HTTP ${s.status} · ${Math.round(s.ms)} ms`;
    const reply = s.reply !== undefined ? ` · the bot answered: ${s.reply.replace(/\s+/g, ' ').slice(0, 60)}` : '';
    const note = s.note !== undefined ? ` · ${s.note}` : '';
    err.write(`${s.ok ? '✓' : '✗'} ${names[s.name]}${how}${reply}${note}\n`);
    for (const p of s.problems) err.write(`    ✗ ${p}\n`);
    for (const w of s.warnings) err.write(`    ! ${w}\n`);
  }
}

/**
 * The self-check through the public URL, as WeChat will send: a URL check that would fail ends the
 * command (the console would refuse to save); a reply WeChat would not accept is only a warning, since
 * --watch can fix the bot while the tunnel stays up.
 */
async function checkPublicUrl(
  t: typeof import('../../tunnel/index.js'),
  url: string,
  local: Local,
  mode: ConsoleEncryptionMode,
  progress: Progress,
  err: NodeJS.WritableStream,
): Promise<SelfCheckResult> {
  progress.start(`Self-check through ${url}…`);
  const check = await t.selfCheck({
    url,
    token: local.token,
    aesKey: local.aesKey,
    appId: local.appId,
    mode,
    localPort: local.port,
  });
  progress.stop();
  reportCheck(check, err);
  const verify = check.steps.find((s) => s.name === 'verify');
  if (check.unreachable || !verify?.ok) {
    throw new CliError(
      check.unreachable
        ? `the public URL ${url} cannot be reached from this machine, so WeChat cannot reach it either`
        : `WeChat's URL check would fail at ${url} (the console says "Token验证失败" or "请求URL超时"): fix the problem above, or pass --no-check`,
      check.unreachable ? EXIT.network : EXIT.failure,
    );
  }
  if (!check.ok)
    err.write(
      'wxbot: the URL check passes, but the reply above is not what WeChat accepts: fix the bot (--watch reloads it) and send a message again\n',
    );
  return check;
}

export async function runTunnel(entry: string | undefined, f: TunnelFlags): Promise<void> {
  const env = loadEnv();
  const json = f.json === true;
  const out = process.stdout;
  const err = process.stderr;
  const progress: Progress = createProgress(err);
  let local: Local | undefined;
  let tunnel: Tunnel | undefined;

  // Ctrl-C (or SIGTERM, or the terminal closing) at any point closes what is open; once everything is up that is the normal way out (exit 0).
  const stop = (signal: string) => {
    progress.stop();
    err.write(`wxbot: ${signal}: closing the tunnel and the server…\n`);
    setTimeout(() => process.exit(0), 9_500).unref();
    void (async () => {
      await tunnel?.close().catch(() => undefined);
      await local?.close().catch(() => undefined);
      process.exit(0);
    })();
  };
  onStopSignals(stop);

  const fail = async (e: unknown): Promise<never> => {
    progress.stop();
    await tunnel?.close().catch(() => undefined);
    await local?.close().catch(() => undefined);
    throw e;
  };

  // Settings first (a bad --public-url is a usage error, whatever the local port says), then the server.
  const provider = await providerFor(f, env);
  local = await attachLocal(entry, f, env, json);
  progress.start(
    provider.name === 'ngrok'
      ? `Opening an ngrok tunnel to 127.0.0.1:${local.port}…`
      : `Using ${f.publicUrl} for 127.0.0.1:${local.port}`,
  );
  // Until the tunnel is open, its status changes are the opening itself (the progress line and its
  // error say how that went): "connection lost" would be news of a connection that never was.
  let opened = false;
  try {
    tunnel = await provider.open(local.port, {
      host: local.host,
      onStatus: (s) => {
        if (opened)
          err.write(s === 'closed' ? 'wxbot: ngrok connection lost, reconnecting…\n' : 'wxbot: ngrok connected\n');
      },
    });
    opened = true;
  } catch (e) {
    progress.fail(provider.name === 'ngrok' ? 'ngrok tunnel not opened' : 'public URL not usable');
    await fail(e instanceof TunnelError ? cliErrorOf(e) : e);
  }
  progress.succeed(
    `${provider.name === 'ngrok' ? 'Tunnel open' : 'Public URL'}: ${tunnel!.url} → 127.0.0.1:${local.port}`,
  );

  const t = await import('../../tunnel/index.js');
  const url = t.callbackUrl(tunnel!.url, local.path);
  const settings = t.consoleSettings({
    url,
    token: local.token,
    aesKey: local.aesKey,
    appId: local.appId,
    tokenGenerated: local.tokenGenerated,
    tokenFrom: sourceOf('--token', f.token, ['WECHAT_TOKEN'], env),
    aesKeyFrom: sourceOf('--aes-key', f.aesKey, ['WECHAT_AES_KEY', 'WECHAT_ENCODING_AES_KEY'], env),
    showSecrets: f.showSecrets === true,
  });
  const check =
    f.check === false ? undefined : await checkPublicUrl(t, url, local, settings.mode, progress, err).catch(fail);
  const warnings = t.publicUrlWarnings(url);

  // Every output is masked (main.ts); --show-secrets lets the console values through in this one write.
  const write = (text: string) => (settings.secretsShown ? writeUnmasked(out, text) : out.write(text));
  if (settings.secretsShown && !json && !(out as { isTTY?: boolean }).isTTY)
    err.write(
      'wxbot: --show-secrets: the Token and EncodingAESKey go in full to standard output, which is not a terminal here: the file or program reading it keeps them\n',
    );
  if (json) {
    write(
      `${JSON.stringify({ ...settings, provider: provider.name, publicUrl: tunnel!.url, local: `http://127.0.0.1:${local.port}${local.path}`, check: check ?? null, warnings })}\n`,
    );
  } else {
    write(`\n${t.renderPasteBox(settings)}\n\n`);
  }
  for (const w of warnings) err.write(`! ${w}\n`);
  if (local.uiUrl) err.write(`wxbot: the web UI (phone, inspector, menu; this machine only): ${local.uiUrl}\n`);
  else if (f.ui) err.write("wxbot: --ui needs wxbot's own server (without --to): try `wxbot ui --url` against yours\n");
  // With --to and a public URL nothing else holds the event loop open: the command lasts until Ctrl-C.
  setInterval(() => undefined, 2 ** 31 - 1);
  err.write(
    local.logs
      ? 'wxbot: ready. Requests are logged below (and kept for `wxbot history`); Ctrl-C closes the tunnel and the server.\n'
      : `wxbot: ready. Requests go straight to your server on port ${local.port} (see its log); Ctrl-C closes the tunnel.\n`,
  );
}
