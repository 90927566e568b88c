import { ConfigError } from './errors.js';

const DECIMAL = /^\d+$/;
const APP_ID = /^wx[0-9a-f]{16}$/i;

/**
 * A whole number written as decimal digits only, from `min` to `max`. `Number()` would also take
 * `0x50`, `1e3`, `' 80'` and `''` (port 80, 1000, 80 and 0): each of those is an error here.
 */
export function decimalInt(raw: string, setting: string, min: number, max: number): number {
  const n = DECIMAL.test(raw) && raw.length <= 16 ? Number(raw) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new ConfigError(
      setting,
      `${setting} must be a whole number from ${min} to ${max} in decimal digits, got "${raw}"`,
    );
  }
  return n;
}

/** A port: 0 (any free port) to 65535, in decimal digits. */
export function port(raw: string, setting: string): number {
  return decimalInt(raw, setting, 0, 65535);
}

/** True for what the WeChat console shows as an AppID: `wx` and 16 hex characters. */
export function isAppId(s: string): boolean {
  return APP_ID.test(s);
}

/** The AppID as given, or a ConfigError naming `setting` when it does not look like one. */
export function checkAppId(raw: string, setting: string): string {
  if (!isAppId(raw)) {
    throw new ConfigError(
      setting,
      `${setting} must be an AppID as the WeChat console shows it: wx followed by 16 hex characters (e.g. wx1234567890abcdef), got "${raw}"`,
    );
  }
  return raw;
}

/**
 * What is wrong with `raw` as an http:// or https:// URL (undefined: nothing). A host without its
 * scheme (`127.0.0.1:5050/wechat`) is the usual slip: the message suggests it with `suggest`://.
 */
export function httpUrlProblem(raw: string, setting: string, suggest: 'http' | 'https' = 'http'): string | undefined {
  let protocol: string | undefined;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  const schemeless = /^(?:[\w.-]+|\[[0-9a-f:]+\])(?::\d+)?(?:\/|$)/i.test(raw);
  return `${setting} must be an http:// or https:// URL, got "${raw}"${schemeless ? `: did you mean ${suggest}://${raw} ?` : ''}`;
}

/** The URL as given, or a ConfigError naming `setting` (see httpUrlProblem). */
export function httpUrl(raw: string, setting: string): string {
  const problem = httpUrlProblem(raw, setting);
  if (problem !== undefined) throw new ConfigError(setting, problem);
  return raw;
}
