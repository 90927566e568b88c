/** Chat provider settings from the environment (and `.env`, through loadEnv). */
import type { Dispatcher } from 'undici';
import type { Env } from '../config/env.js';
import { httpUrlProblem } from '../config/values.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_BUDGET_MS,
  DEFAULT_FALLBACK_TEXT,
  withBudget,
  type BudgetedProvider,
  type ChatFailure,
} from './budget.js';
import { ProviderError } from './errors.js';
import { warmUp } from './http.js';
import {
  DEFAULT_SYSTEM_PROMPT,
  OPENAI_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_MODEL,
  openaiProvider,
  type OpenAIOptions,
} from './openai.js';
import type { InspectableProvider } from './provider.js';
import { TULING_QUOTA_CODE } from './tuling-codes.js';
import { tulingProvider, type TulingOptions } from './tuling.js';

export type ProviderName = 'tuling' | 'openai';
export const PROVIDER_NAMES: readonly ProviderName[] = ['tuling', 'openai'];

export type ChatSettings =
  | { name: 'tuling'; tuling: TulingOptions; budget: BudgetSettings }
  | { name: 'openai'; openai: OpenAIOptions; budget: BudgetSettings };

export interface BudgetSettings {
  /** WXBOT_CHAT_BUDGET_MS; unset: each call's context decides (see withBudget). */
  budgetMs?: number;
  fallbackText: string;
  /** Used instead of fallbackText when the provider says the quota is used up. */
  quotaFallbackText?: string;
}

export interface ChatSettingsOptions {
  /** Overrides WXBOT_CHAT_PROVIDER (e.g. `wxbot chat --provider`). */
  provider?: ProviderName;
}

const missing = (provider: string, message: string) => new ProviderError('NOT_CONFIGURED', message, { provider });

function positiveInt(env: Env, name: string, provider: string, fallback: number, allowZero = false): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1))
    throw missing(provider, `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${raw}"`);
  return n;
}

/** An API address from the environment, refused here as a setting rather than found out at the first request. */
function apiUrl(env: Env, name: string, provider: string, suggest: 'http' | 'https'): string | undefined {
  const raw = env[name];
  const problem = raw === undefined ? undefined : httpUrlProblem(raw, name, suggest);
  if (problem !== undefined) throw missing(provider, problem);
  return raw;
}

const tulingKey = (env: Env) => env.TULING_KEY ?? env.TULING_API_KEY;

function tulingSettings(env: Env): TulingOptions {
  const apiKey = tulingKey(env);
  if (!apiKey)
    throw missing(
      'tuling',
      "TULING_KEY is not set (TULING_API_KEY is accepted too): put the robot's apiKey in the environment or in .env",
    );
  const o: TulingOptions = { apiKey };
  // Tuling's documented endpoint is plain http (TULING_DEFAULT_URL).
  const url = apiUrl(env, 'TULING_API_URL', 'tuling', 'http');
  if (url) o.url = url;
  if (env.TULING_SECRET) o.secret = env.TULING_SECRET;
  if (env.TULING_CITY) o.location = { city: env.TULING_CITY, province: env.TULING_PROVINCE, street: env.TULING_STREET };
  else if (env.TULING_PROVINCE || env.TULING_STREET)
    throw missing(
      'tuling',
      'TULING_CITY is required when TULING_PROVINCE or TULING_STREET is set (Tuling requires location.city)',
    );
  if (env.TULING_NEWS) {
    if (env.TULING_NEWS !== 'news' && env.TULING_NEWS !== 'text')
      throw missing('tuling', `TULING_NEWS must be "news" or "text", got "${env.TULING_NEWS}"`);
    o.newsAs = env.TULING_NEWS;
  }
  return o;
}

function openaiSettings(env: Env): OpenAIOptions {
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey) throw missing('openai', 'OPENAI_API_KEY is not set: put the API key in the environment or in .env');
  const baseUrl = apiUrl(env, 'OPENAI_BASE_URL', 'openai', 'https') ?? OPENAI_DEFAULT_BASE_URL;
  // Another vendor's server does not know OpenAI's model names: make the user say which model.
  if (!env.OPENAI_MODEL && env.OPENAI_BASE_URL && env.OPENAI_BASE_URL.replace(/\/+$/, '') !== OPENAI_DEFAULT_BASE_URL) {
    throw missing('openai', `OPENAI_MODEL is not set (required with OPENAI_BASE_URL=${baseUrl})`);
  }
  const o: OpenAIOptions = {
    apiKey,
    baseUrl,
    model: env.OPENAI_MODEL ?? OPENAI_DEFAULT_MODEL,
    systemPrompt: env.OPENAI_SYSTEM_PROMPT ?? DEFAULT_SYSTEM_PROMPT,
    memoryTurns: positiveInt(env, 'OPENAI_MEMORY_TURNS', 'openai', 6, true),
    memoryTtlMs: positiveInt(env, 'OPENAI_MEMORY_TTL', 'openai', 1800) * 1000,
  };
  // "none" turns the default prompt off (an empty value is dropped by loadEnv).
  if (o.systemPrompt === 'none') delete o.systemPrompt;
  if (env.OPENAI_MAX_TOKENS) o.maxTokens = positiveInt(env, 'OPENAI_MAX_TOKENS', 'openai', 0);
  return o;
}

function chooseProvider(env: Env, o: ChatSettingsOptions): ProviderName | undefined {
  const chosen = o.provider ?? env.WXBOT_CHAT_PROVIDER?.toLowerCase();
  if (chosen === 'none' || chosen === 'off') return undefined;
  if (chosen !== undefined) {
    if (!PROVIDER_NAMES.includes(chosen as ProviderName)) {
      throw missing(chosen, `WXBOT_CHAT_PROVIDER must be one of ${PROVIDER_NAMES.join(', ')} or none, got "${chosen}"`);
    }
    return chosen as ProviderName;
  }
  // Both keys set and no choice: Tuling, the blog post's provider, wins (documented).
  if (tulingKey(env)) return 'tuling';
  if (env.OPENAI_API_KEY) return 'openai';
  return undefined;
}

/**
 * The configured provider's settings; undefined when none is configured.
 * Throws ProviderError('NOT_CONFIGURED') naming the variable when a chosen provider lacks its key.
 */
export function chatSettingsFromEnv(env: Env, o: ChatSettingsOptions = {}): ChatSettings | undefined {
  const name = chooseProvider(env, o);
  if (!name) return undefined;
  const budget: BudgetSettings = { fallbackText: env.WXBOT_CHAT_FALLBACK ?? DEFAULT_FALLBACK_TEXT };
  if (env.WXBOT_CHAT_BUDGET_MS) budget.budgetMs = positiveInt(env, 'WXBOT_CHAT_BUDGET_MS', name, DEFAULT_BUDGET_MS);
  if (env.WXBOT_CHAT_QUOTA_FALLBACK) budget.quotaFallbackText = env.WXBOT_CHAT_QUOTA_FALLBACK;
  return name === 'tuling'
    ? { name, tuling: tulingSettings(env), budget }
    : { name, openai: openaiSettings(env), budget };
}

export interface ProviderExtras {
  store?: Store;
  dispatcher?: Dispatcher;
  /** The provider's own per-call timeout (the budget is separate). */
  timeoutMs?: number;
}

/** The bare provider (no budget): errors surface as ProviderError. Used by `wxbot chat`. */
export function createProvider(s: ChatSettings, extras: ProviderExtras = {}): InspectableProvider {
  const common = { dispatcher: extras.dispatcher, ...(extras.timeoutMs ? { timeoutMs: extras.timeoutMs } : {}) };
  if (s.name === 'tuling') return tulingProvider({ ...s.tuling, ...common });
  return openaiProvider({ ...s.openai, store: extras.store ?? s.openai.store, ...common });
}

/** The secrets of a configuration, to scrub from anything printed. */
export function settingsSecrets(s: ChatSettings): string[] {
  const list = s.name === 'tuling' ? [s.tuling.apiKey, s.tuling.secret] : [s.openai.apiKey];
  return list.filter((x): x is string => Boolean(x));
}

function isQuota(f: ChatFailure): boolean {
  return (
    (f.provider === 'tuling' && f.providerCode === TULING_QUOTA_CODE) ||
    (f.provider === 'openai' && (f.providerCode === 'insufficient_quota' || f.code === 'RATE_LIMITED'))
  );
}

export interface ProviderFromEnvOptions extends ProviderExtras, ChatSettingsOptions {
  /** Overrides WXBOT_CHAT_BUDGET_MS. */
  budgetMs?: number;
  /** Overrides WXBOT_CHAT_FALLBACK / WXBOT_CHAT_QUOTA_FALLBACK. */
  fallbackText?: string | ((failure: ChatFailure) => string);
  /** Receives one record per failed call (log it); never a key. */
  onError?: (failure: ChatFailure) => void;
}

/**
 * The configured chat provider, already wrapped with the reply budget and fallback text, or
 * undefined when no provider is configured. Throws ProviderError('NOT_CONFIGURED') on a bad setting.
 */
export function providerFromEnv(
  env: Env,
  options: ProviderFromEnvOptions = {},
): { name: ProviderName; provider: BudgetedProvider } | undefined {
  const s = chatSettingsFromEnv(env, options);
  if (!s) return undefined;
  const { quotaFallbackText, fallbackText } = s.budget;
  const provider = withBudget(createProvider(s, options), {
    budgetMs: options.budgetMs ?? s.budget.budgetMs,
    fallbackText: options.fallbackText ?? ((f) => (quotaFallbackText && isQuota(f) ? quotaFallbackText : fallbackText)),
    onError: options.onError,
    secrets: settingsSecrets(s),
  });
  if (!options.dispatcher) void warmUp();
  return { name: s.name, provider };
}
