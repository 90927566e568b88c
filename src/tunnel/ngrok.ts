import type { Config, Listener } from '@ngrok/ngrok';
import { NGROK_AUTHTOKEN_URL, PUBLIC_URL_HINT, TunnelError } from './errors.js';
import { explainNgrokError } from './ngrok-errors.js';
import type { OpenOptions, Tunnel, TunnelProvider } from './provider.js';

/** The part of the `@ngrok/ngrok` module this provider uses (the real module satisfies it; tests may inject). */
export interface NgrokSdk {
  forward(config: Config): Promise<Pick<Listener, 'url' | 'close'>>;
}

export interface NgrokOptions {
  /** `--authtoken`, else NGROK_AUTHTOKEN. */
  authtoken?: string;
  /** A reserved domain, e.g. `my-bot.ngrok-free.app` (a leading https:// is tolerated). */
  domain?: string;
  /** Where the SDK dials ngrok (custom agent ingress; tests point it at 127.0.0.1). */
  serverAddr?: string;
  /** Give up connecting after this long (default 15 s): a blocked network must not hang the CLI. */
  timeoutMs?: number;
  /** Replaces the lazy `import('@ngrok/ngrok')`. */
  loadSdk?: () => Promise<NgrokSdk>;
}

export const DEFAULT_NGROK_TIMEOUT_MS = 15_000;

/** `https://my-bot.ngrok-free.app/` → `my-bot.ngrok-free.app`: people paste what the dashboard shows. */
export function normalizeDomain(domain: string): string {
  const d = domain
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(d)) {
    throw new TunnelError(
      'DOMAIN_NOT_OWNED',
      `"${domain}" is not a domain name`,
      'Pass the bare domain shown in the ngrok dashboard, e.g. --domain my-bot.ngrok-free.app.',
    );
  }
  return d;
}

/** Maps wxbot's options onto the SDK's `forward()` config (field names from @ngrok/ngrok's index.d.ts). */
export function ngrokConfig(port: number, options: NgrokOptions & OpenOptions & { authtoken: string }): Config {
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  const config: Config = {
    addr: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    proto: 'http',
    authtoken: options.authtoken,
    forwards_to: `wxbot on port ${port}`,
  };
  if (options.domain) config.domain = normalizeDomain(options.domain);
  if (options.serverAddr) config.server_addr = options.serverAddr;
  if (options.onStatus) {
    const onStatus = options.onStatus;
    config.onStatusChange = (s: string) => onStatus(s === 'closed' ? 'closed' : 'connected');
  }
  return config;
}

async function importSdk(): Promise<NgrokSdk> {
  try {
    const mod = (await import('@ngrok/ngrok')) as unknown as NgrokSdk & { default?: NgrokSdk };
    return typeof mod.forward === 'function' ? mod : (mod.default as NgrokSdk);
  } catch (cause) {
    throw new TunnelError(
      'SDK_MISSING',
      'the ngrok SDK (@ngrok/ngrok) could not be loaded on this platform',
      `Reinstall wxbot so npm fetches the native ngrok binary for ${process.platform}-${process.arch}. ${PUBLIC_URL_HINT}`,
      { cause },
    );
  }
}

/** The default provider: an ngrok HTTPS endpoint through the official SDK, loaded only when used. */
export function createNgrokProvider(options: NgrokOptions = {}): TunnelProvider {
  return {
    name: 'ngrok',
    async open(port: number, open: OpenOptions = {}): Promise<Tunnel> {
      const authtoken = options.authtoken?.trim();
      if (!authtoken) {
        throw new TunnelError(
          'AUTHTOKEN_MISSING',
          'ngrok needs an auth token and none is set',
          `Sign up for free at https://dashboard.ngrok.com/signup, copy your token from ${NGROK_AUTHTOKEN_URL}, ` +
            `then set NGROK_AUTHTOKEN (environment or .env) or pass --authtoken. ${PUBLIC_URL_HINT}`,
        );
      }
      const config = ngrokConfig(port, { ...options, ...open, authtoken });
      const sdk = await (options.loadSdk ?? importSdk)();
      const timeoutMs = options.timeoutMs ?? DEFAULT_NGROK_TIMEOUT_MS;
      const pending = sdk.forward(config);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new TunnelError(
                'TIMEOUT',
                `no answer from ngrok after ${Math.round(timeoutMs / 100) / 10} s`,
                `Your network may block or slow down ngrok (common in mainland China and on company networks). ${PUBLIC_URL_HINT}`,
              ),
            ),
          timeoutMs,
        );
      });
      // The SDK has no way to cancel a pending connect (kill() waits for it too): after a timeout the
      // native attempt may linger until the OS gives up, which is why the CLI exits explicitly.
      let listener: Pick<Listener, 'url' | 'close'>;
      try {
        listener = await Promise.race([pending, timeout]);
      } catch (err) {
        // A connection that succeeds after we gave up must not stay open behind the user's back.
        pending
          .then(
            (l) => l.close(),
            () => undefined,
          )
          .catch(() => undefined);
        throw explainNgrokError(err, { authtoken, domain: config.domain });
      } finally {
        clearTimeout(timer);
      }
      const url = listener.url();
      if (!url) throw new TunnelError('FAILED', 'ngrok opened a tunnel without a URL', PUBLIC_URL_HINT);
      let closed: Promise<void> | undefined;
      return {
        url: url.replace(/\/+$/, ''),
        close: () => (closed ??= closeWithin(listener, 3000)),
      };
    },
  };
}

// Ctrl-C must not hang on a dead network: give the SDK a moment to say goodbye, then move on.
async function closeWithin(listener: Pick<Listener, 'close'>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    listener.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
