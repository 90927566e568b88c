/**
 * Chat providers: Tuling123 v2, any OpenAI-compatible endpoint, your own.
 * Nothing here loads undici until a provider makes its first call.
 */
export type { ChatContext, ChatReply, ChatProvider, ChatExchange, InspectableProvider } from './provider.js';
export { inspectable } from './provider.js';
export {
  ProviderError,
  isProviderError,
  type ProviderErrorCode,
  type ProviderErrorDetails,
  type ProviderCodeMeaning,
} from './errors.js';
export {
  withBudget,
  DEFAULT_BUDGET_MS,
  DEFAULT_FALLBACK_TEXT,
  type BudgetOptions,
  type BudgetedProvider,
  type ChatFailure,
} from './budget.js';
export { tulingProvider, tulingEndpoint, TULING_DEFAULT_URL, type TulingOptions } from './tuling.js';
export { TULING_ERROR_CODES, tulingMeaning, isTulingIntent } from './tuling-codes.js';
export {
  buildTulingRequest,
  tulingUserId,
  encryptTulingRequest,
  decryptTulingEnvelope,
  tulingAesKey,
  TULING_TEXT_LIMIT,
  type TulingRequest,
  type TulingEnvelope,
  type TulingLocation,
} from './tuling-request.js';
export { mapTulingResults, type MapOptions, type TulingResult } from './tuling-map.js';
export {
  openaiProvider,
  chatCompletionsUrl,
  OPENAI_DEFAULT_BASE_URL,
  OPENAI_DEFAULT_MODEL,
  DEFAULT_SYSTEM_PROMPT,
  type OpenAIOptions,
} from './openai.js';
export { ChatMemory, type Turn, type MemoryOptions } from './memory.js';
export { fitWechatText, truncateUtf8, truncateChars, WECHAT_TEXT_LIMIT_BYTES } from './text.js';
export { closeSharedDispatcher, warmUp } from './http.js';
export {
  providerFromEnv,
  chatSettingsFromEnv,
  createProvider,
  settingsSecrets,
  PROVIDER_NAMES,
  type ProviderName,
  type ChatSettings,
  type ChatSettingsOptions,
  type BudgetSettings,
  type ProviderFromEnvOptions,
  type ProviderExtras,
} from './from-env.js';
export { replyToText, describeProviderError } from './describe.js';
