/** Any OpenAI-compatible chat-completions endpoint: OpenAI, DeepSeek, Qwen, Moonshot, local servers. */
import type { Dispatcher } from 'undici';
import { maskSecret } from '../config/mask.js';
import { MemoryStore } from '../store/memory.js';
import type { Store } from '../store/store.js';
import { ProviderError, codeForStatus, redact } from './errors.js';
import { parseJsonBody, postJson } from './http.js';
import { ChatMemory, type Turn } from './memory.js';
import { inspectable, type ChatExchange, type InspectableProvider } from './provider.js';
import { WECHAT_TEXT_LIMIT_BYTES, fitWechatText } from './text.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'gpt-4o-mini';
/** WeChat shows plain text and cuts long replies: ask for short, plain answers. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant answering inside a WeChat Official Account chat. Reply in the language of the user, ' +
  'briefly (under 300 words), in plain text without Markdown.';

export interface OpenAIOptions {
  apiKey: string;
  /** Up to and including the version segment, e.g. `https://api.deepseek.com/v1`. */
  baseUrl?: string;
  model?: string;
  /** Sent first as a `system` message; none when undefined. */
  systemPrompt?: string;
  /** Turns remembered per user (default 6; 0 turns memory off). */
  memoryTurns?: number;
  /** Forget a conversation after this idle time (default 30 min). */
  memoryTtlMs?: number;
  /** Where memory lives when the call's context has no store (default: an in-process MemoryStore). */
  store?: Store;
  maxTokens?: number;
  temperature?: number;
  /** The provider's own limit for one call (the serve budget is applied by withBudget). Default 30 s. */
  timeoutMs?: number;
  /** Replies are cut to this many UTF-8 bytes (default 2048, WeChat's text limit). */
  maxReplyBytes?: number;
  dispatcher?: Dispatcher;
}

export function chatCompletionsUrl(baseUrl: string = OPENAI_DEFAULT_BASE_URL): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/chat/completions') ? base : `${base}/chat/completions`;
}

interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface Completion {
  choices?: { message?: { content?: unknown; refusal?: unknown } }[];
  error?: { message?: unknown; code?: unknown; type?: unknown };
}

// Reasoning models served by local/compatible servers often inline their reasoning first.
const THINK_BLOCK = /^\s*<think>[\s\S]*?<\/think>\s*/;

function messagesFor(o: OpenAIOptions, history: Turn[], input: string): Message[] {
  const m: Message[] = o.systemPrompt ? [{ role: 'system', content: o.systemPrompt }] : [];
  for (const t of history) m.push({ role: 'user', content: t.user }, { role: 'assistant', content: t.assistant });
  m.push({ role: 'user', content: input });
  return m;
}

function fail(e: ProviderError, exchange: ChatExchange): never {
  e.exchange = exchange;
  throw e;
}

function apiError(json: Completion | undefined, status: number, secrets: (string | undefined)[]): ProviderError {
  const err = json?.error;
  const providerCode = typeof err?.code === 'string' ? err.code : typeof err?.type === 'string' ? err.type : undefined;
  const detail = typeof err?.message === 'string' ? `: ${redact(err.message, secrets).slice(0, 300)}` : '';
  return new ProviderError(codeForStatus(status), `OpenAI-compatible API answered HTTP ${status}${detail}`, {
    provider: 'openai',
    status,
    providerCode,
    meaning: typeof err?.message === 'string' ? { en: redact(err.message, secrets).slice(0, 300) } : undefined,
  });
}

/**
 * An OpenAI-compatible ChatProvider with per-user short memory. Any endpoint that speaks
 * `POST /chat/completions` works through `baseUrl` (DeepSeek, Moonshot, Qwen, a local server).
 *
 * @example
 * ```ts
 * import { chat, createBot, openaiProvider } from 'wxbot';
 *
 * const provider = openaiProvider({ apiKey: process.env.OPENAI_API_KEY!, baseUrl: 'https://api.deepseek.com/v1', model: 'deepseek-chat' });
 * export default createBot().fallback(chat(provider));
 * ```
 */
export function openaiProvider(o: OpenAIOptions): InspectableProvider {
  if (!o.apiKey) throw new ProviderError('NOT_CONFIGURED', 'OpenAI apiKey is empty', { provider: 'openai' });
  const url = chatCompletionsUrl(o.baseUrl);
  const model = o.model ?? OPENAI_DEFAULT_MODEL;
  const secrets = [o.apiKey];
  let ownStore: Store | undefined;
  const fallbackStore = (): Store => {
    ownStore ??= new MemoryStore();
    return ownStore;
  };
  const memoryIn = (store: Store | undefined, keyPrefix: string | undefined) =>
    new ChatMemory(store ?? o.store ?? fallbackStore(), {
      turns: o.memoryTurns ?? 6,
      ttlMs: o.memoryTtlMs ?? 30 * 60_000,
      namespace: 'openai',
      keyPrefix,
    });
  return inspectable('openai', async (input, context) => {
    const provider = 'openai';
    const started = performance.now();
    const text = input.trim();
    const memory = memoryIn(context.store, context.keyPrefix);
    const history = text ? await memory.load(context.userId) : [];
    const body: Record<string, unknown> = { model, messages: messagesFor(o, history, text) };
    if (o.maxTokens !== undefined) body.max_tokens = o.maxTokens;
    if (o.temperature !== undefined) body.temperature = o.temperature;
    const exchange: ChatExchange = {
      provider,
      request: { url, headers: { authorization: `Bearer ${maskSecret(o.apiKey)}` }, body },
      latencyMs: 0,
    };
    const took = () => (exchange.latencyMs = Math.round(performance.now() - started));
    if (!text) fail(new ProviderError('EMPTY_INPUT', 'nothing to send: the text is empty', { provider }), exchange);
    let res;
    try {
      res = await postJson(url, body, {
        provider,
        signal: context.signal,
        timeoutMs: o.timeoutMs ?? 30_000,
        dispatcher: o.dispatcher,
        headers: { authorization: `Bearer ${o.apiKey}` },
      });
    } catch (e) {
      took();
      fail(e as ProviderError, exchange);
    }
    took();
    exchange.response = { status: res.status, body: res.text };
    let json: Completion | undefined;
    try {
      json = parseJsonBody(res.text, provider, res.status, secrets) as Completion;
      exchange.response.body = json;
    } catch (e) {
      if (res.status >= 200 && res.status <= 299) fail(e as ProviderError, exchange);
    }
    if (res.status < 200 || res.status > 299 || json?.error) fail(apiError(json, res.status, secrets), exchange);
    const choice = Array.isArray(json?.choices) ? json.choices[0]?.message : undefined;
    const content =
      typeof choice?.content === 'string'
        ? choice.content
        : typeof choice?.refusal === 'string'
          ? choice.refusal
          : undefined;
    const answer = content?.replace(THINK_BLOCK, '').trim();
    if (!answer)
      fail(
        new ProviderError('BAD_RESPONSE', 'OpenAI-compatible API answered without choices[0].message.content', {
          provider,
          status: res.status,
        }),
        exchange,
      );
    const reply = fitWechatText(answer, o.maxReplyBytes ?? WECHAT_TEXT_LIMIT_BYTES);
    // Memory is best effort: a store hiccup must not cost the user the answer. A reply that came
    // after the budget was never shown, so it is not remembered either.
    if (!context.signal?.aborted)
      await memory.append(context.userId, { user: text, assistant: reply }, history).catch(() => undefined);
    return { ...exchange, reply };
  });
}
