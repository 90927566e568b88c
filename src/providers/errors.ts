import { WxbotError } from '../protocol/errors.js';
import type { ChatExchange } from './provider.js';

/**
 * Why a provider call failed. Stable: branch on these, log them, map them to exit codes.
 * - NOT_CONFIGURED: a required setting (API key, model, city) is missing or invalid
 * - EMPTY_INPUT: nothing left to send after trimming (Tuling would answer 4600)
 * - TIMEOUT: the provider's own timeout or the reply budget ran out
 * - ABORTED: the caller's AbortSignal fired for another reason (e.g. shutdown)
 * - NETWORK: DNS, refused/reset connection, TLS
 * - HTTP_4XX / HTTP_5XX: unexpected HTTP status; AUTH (401/403) and RATE_LIMITED (429) split out of 4xx
 * - BAD_JSON: the body is not JSON; BAD_RESPONSE: JSON, but not the documented shape (or too large)
 * - PROVIDER_ERROR: the provider answered with an error of its own (Tuling `intent.code`, OpenAI `error`)
 */
export type ProviderErrorCode =
  | 'NOT_CONFIGURED'
  | 'EMPTY_INPUT'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'NETWORK'
  | 'AUTH'
  | 'RATE_LIMITED'
  | 'HTTP_4XX'
  | 'HTTP_5XX'
  | 'BAD_JSON'
  | 'BAD_RESPONSE'
  | 'PROVIDER_ERROR';

/** A provider's own error code with what it means, in the provider's language and in English. */
export interface ProviderCodeMeaning {
  zh?: string;
  en: string;
}

export interface ProviderErrorDetails {
  /** 'tuling', 'openai' or a custom provider's name. */
  provider: string;
  /** HTTP status when a response arrived. */
  status?: number;
  /** The provider's own code: Tuling `intent.code` (number), OpenAI `error.code`/`error.type` (string). */
  providerCode?: number | string;
  meaning?: ProviderCodeMeaning;
  cause?: unknown;
}

/** Every failure of a built-in provider. Messages never contain API keys or secrets. */
export class ProviderError extends WxbotError {
  override readonly code: ProviderErrorCode;
  readonly provider: string;
  readonly status?: number;
  readonly providerCode?: number | string;
  readonly meaning?: ProviderCodeMeaning;
  /** What was sent and received before the failure (set by the built-ins; keys masked). */
  exchange?: ChatExchange;

  constructor(code: ProviderErrorCode, message: string, details: ProviderErrorDetails) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ProviderError';
    this.code = code;
    this.provider = details.provider;
    if (details.status !== undefined) this.status = details.status;
    if (details.providerCode !== undefined) this.providerCode = details.providerCode;
    if (details.meaning !== undefined) this.meaning = details.meaning;
  }
}

export function isProviderError(e: unknown): e is ProviderError {
  return e instanceof ProviderError;
}

/** The error code for an HTTP status that is not 2xx. */
export function codeForStatus(status: number): ProviderErrorCode {
  if (status === 401 || status === 403) return 'AUTH';
  if (status === 429) return 'RATE_LIMITED';
  return status >= 500 ? 'HTTP_5XX' : 'HTTP_4XX';
}

/** Replaces every occurrence of the secrets in a message (some servers echo the key back in errors). */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}
