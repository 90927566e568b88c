import { WxbotError } from '../protocol/errors.js';

/**
 * `SIMULATE_NETWORK`: the server could not be reached at all (refused, DNS, unreachable) — not a
 * verdict on the server's code. `SIMULATE_CONFIG`: the simulator lacks a setting it needs
 * (a Token, or an AES key/AppID for compat/safe mode).
 */
export type SimulateErrorCode = 'SIMULATE_NETWORK' | 'SIMULATE_CONFIG';

export class SimulateError extends WxbotError {
  override readonly code: SimulateErrorCode;
  constructor(code: SimulateErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SimulateError';
    this.code = code;
  }
}

/** What the message of every TLS failure starts with: it says its own cause and remedy. */
export const TLS_FAILED = 'the TLS handshake with';

/**
 * A SIMULATE_NETWORK message with what to check next: whether the server runs at `url`, unless
 * the failure was TLS (the server answered, in a way https cannot use; the message says what to do).
 */
export function withUnreachableHint(message: string, url: string | undefined): string {
  if (message.startsWith(TLS_FAILED) || !url) return message;
  return `${message} — is the server running at ${url}?`;
}
