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
