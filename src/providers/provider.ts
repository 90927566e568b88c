import type { ReplyBody } from '../protocol/replies.js';
import type { Store } from '../store/store.js';

/** What a chat provider is told besides the text. */
export interface ChatContext {
  /** The user's OpenID (providers derive their own user ids from it). */
  userId: string;
  /** Aborted when the reply budget runs out; providers must stop their request. */
  signal?: AbortSignal;
  /** The bot's store, for per-user memory. */
  store?: Store;
  /**
   * Where the bot's store keys start (`wxbot:<appId>:`): per-user memory is kept under it, so each
   * account's data stays under its own prefix in a shared Redis. Default `wxbot:`.
   */
  keyPrefix?: string;
  /**
   * How long the answer may take and still reach the user (the server's slow-reply limit, see
   * Context#answerWithinMs): a provider from withBudget without a budget of its own takes it as its budget.
   */
  budgetMs?: number;
}

/** A string is a text reply; a ReplyBody (e.g. news) is sent as is. */
export type ChatReply = string | ReplyBody;

/** The provider interface: built-ins implement it, users plug their own. */
export type ChatProvider = (input: string, context: ChatContext) => Promise<ChatReply>;

/** One call as it went over the wire, for `wxbot chat --json` and debugging. Never holds a key. */
export interface ChatExchange {
  provider: string;
  /**
   * The endpoint, the headers that carry a key (masked) and the body sent, its key masked too
   * (plaintext even when encrypted).
   */
  request: { url: string; headers?: Record<string, string>; body: unknown; encrypted?: boolean };
  /** HTTP status and the parsed body (or the raw text when it was not JSON). */
  response?: { status: number; body: unknown };
  reply?: ChatReply;
  latencyMs: number;
}

/** A built-in provider: a plain ChatProvider plus the full record of a call. */
export interface InspectableProvider extends ChatProvider {
  readonly providerName: string;
  /** Like calling the provider, but resolves with the whole exchange (the reply included). */
  exchange(input: string, context: ChatContext): Promise<ChatExchange & { reply: ChatReply }>;
}

/** Builds an InspectableProvider from its `exchange` function. */
export function inspectable(providerName: string, exchange: InspectableProvider['exchange']): InspectableProvider {
  const call: ChatProvider = async (input, context) => (await exchange(input, context)).reply;
  return Object.assign(call, { providerName, exchange });
}
