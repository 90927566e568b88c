import { httpUrlProblem } from '../config/values.js';
import { PUBLIC_URL_HINT, TunnelError } from './errors.js';
import type { Tunnel, TunnelProvider } from './provider.js';

/**
 * Parses a user-supplied public URL. WeChat only calls http:// on port 80 and https:// on 443
 * (a rule of the console's 服务器配置 form), so any other port is reported as a warning, not refused:
 * a local reverse proxy in tests, or a tunnel that is reached on another port, are legitimate.
 */
export function parsePublicUrl(input: string): URL {
  const raw = input.trim();
  const problem = httpUrlProblem(raw, '--public-url', 'https');
  if (problem !== undefined) {
    throw new TunnelError(
      'BAD_PUBLIC_URL',
      problem,
      'WeChat only calls http:// and https:// URLs, e.g. https://bot.example.com',
    );
  }
  const url = new URL(raw);
  if (url.username || url.password) {
    throw new TunnelError(
      'BAD_PUBLIC_URL',
      'the public URL must not contain a user name or password',
      'WeChat cannot send credentials; protect the endpoint with the Token signature instead.',
    );
  }
  url.hash = '';
  url.search = '';
  return url;
}

/** Problems WeChat's console would raise about this callback URL, in words (empty when none). */
export function publicUrlWarnings(callbackUrl: string): string[] {
  const url = new URL(callbackUrl);
  const out: string[] = [];
  if (url.port) {
    out.push(`WeChat only calls port 80 (http) or 443 (https); ${url.host} will be refused in the console.`);
  }
  if (url.protocol === 'http:')
    out.push('http:// works, but https:// is recommended (and required by some account types).');
  return out;
}

/**
 * The callback URL to paste into the console: the public base plus the server path,
 * unless the user already gave a URL that ends with that path.
 */
export function callbackUrl(publicBase: string, path: string): string {
  const url = new URL(publicBase);
  const p = path.startsWith('/') ? path : `/${path}`;
  const base = url.pathname.replace(/\/+$/, '');
  if (!base.endsWith(p.replace(/\/+$/, '')) || p === '/') url.pathname = `${base}${p}`;
  return url.toString();
}

/** For users with their own domain or tunnel: nothing to open, the URL is already public. */
export function createPublicUrlProvider(publicUrl: string): TunnelProvider {
  const url = parsePublicUrl(publicUrl);
  return {
    name: 'public-url',
    async open(): Promise<Tunnel> {
      return { url: url.toString().replace(/\/+$/, ''), close: async () => undefined };
    },
  };
}

export { PUBLIC_URL_HINT };
