/**
 * What keeps other web pages away from the UI. It listens on 127.0.0.1 only, but a page on any site
 * can still make the browser talk to it: through DNS rebinding (evil.example resolving to 127.0.0.1,
 * which the Host header gives away) or with a cross-site form POST (which cannot carry a custom header
 * and states its Origin). State-changing requests also need this run's key, which only the page
 * opened from the URL printed by wxbot has.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const KEY_HEADER = 'x-wxbot-ui-key';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function newUiKey(): string {
  return randomBytes(18).toString('base64url');
}

/** `localhost:5051` → `localhost`; undefined when the port is not ours or the header is malformed. */
function hostName(host: string, port: number): string | undefined {
  const m = /^(\[[0-9a-f:]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(host.trim());
  if (!m) return undefined;
  if (m[2] !== undefined && Number(m[2]) !== port) return undefined;
  return m[1]!.toLowerCase();
}

/** Why the request must be refused, or undefined when its Host (and Origin, if any) is this server. */
export function refuseForeign(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  const name = host === undefined ? undefined : hostName(host, port);
  if (name === undefined || !LOOPBACK_NAMES.has(name)) {
    return `refused: Host ${JSON.stringify(host ?? '')} is not this machine (the UI answers only 127.0.0.1, localhost and [::1] on port ${port})`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = u.protocol === 'http:' && LOOPBACK_NAMES.has(u.hostname) && Number(u.port) === port;
    } catch {
      ok = false;
    }
    if (!ok) return `refused: a page from ${origin} may not use the UI`;
  }
  return undefined;
}

export function hasKey(req: IncomingMessage, key: string): boolean {
  const given = req.headers[KEY_HEADER];
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}
