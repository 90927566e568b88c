/**
 * The reply budget: WeChat waits 5 s for the whole reply (protocol.md §5.3), so a provider gets
 * about 3.5 s, or as long as the server's slow-reply strategy can still deliver the answer. At the
 * budget the call is aborted and the user gets a friendly text instead of silence or
 * "该公众号暂时无法提供服务"; every failure is reported once, as a record without secrets.
 */
import { ProviderError, redact, type ProviderCodeMeaning, type ProviderErrorCode } from './errors.js';
import type { ChatProvider, ChatReply } from './provider.js';
import { replyBodyProblem } from '../protocol/reply-check.js';

export const DEFAULT_BUDGET_MS = 3500;
export const DEFAULT_FALLBACK_TEXT = '抱歉，我现在有点忙，请稍后再试。';

/** What went wrong with one call: safe to log as is. */
export interface ChatFailure {
  provider: string;
  code: ProviderErrorCode;
  /** One line for humans. */
  reason: string;
  latencyMs: number;
  status?: number;
  providerCode?: number | string;
  meaning?: ProviderCodeMeaning;
}

export interface BudgetOptions {
  /**
   * Time allowed for every call, in ms. Without it a call gets the context's `budgetMs` (what the
   * server's slow-reply strategy allows), else 3500: an answer within WeChat's 5 s.
   */
  budgetMs?: number;
  /** The reply on failure; a function can pick per failure (e.g. a quota message). */
  fallbackText?: string | ((failure: ChatFailure) => string);
  /** Called once per failure (log it). Never receives keys. */
  onError?: (failure: ChatFailure) => void;
  /** Name used in records for providers that do not carry `providerName`. */
  name?: string;
  /** Extra strings to scrub from reasons (custom providers may put keys in their messages). */
  secrets?: string[];
}

export type BudgetedProvider = ChatProvider & { readonly providerName: string };

function toFailure(err: unknown, provider: string, latencyMs: number, secrets: string[]): ChatFailure {
  if (err instanceof ProviderError) {
    const f: ChatFailure = { provider, code: err.code, reason: redact(err.message, secrets), latencyMs };
    if (err.status !== undefined) f.status = err.status;
    if (err.providerCode !== undefined) f.providerCode = err.providerCode;
    if (err.meaning !== undefined) f.meaning = err.meaning;
    return f;
  }
  const e = err as Error | undefined;
  return {
    provider,
    code: 'PROVIDER_ERROR',
    reason: redact(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, secrets),
    latencyMs,
  };
}

function isEmpty(reply: ChatReply): boolean {
  return reply === undefined || reply === null || (typeof reply === 'string' && reply.trim() === '');
}

/** Why an answer is no reply (empty, or not a reply at all: a number, an object without MsgType), or undefined. */
function answerProblem(reply: ChatReply | undefined, name: string): string | undefined {
  if (reply === undefined || isEmpty(reply)) return `${name} returned an empty reply`;
  if (typeof reply === 'string') return undefined;
  const problem = replyBodyProblem(reply);
  return problem === undefined ? undefined : `${name} returned ${problem}, not a reply`;
}

/** Wraps a provider so it always resolves within the budget: with its answer, or with the fallback. */
export function withBudget(provider: ChatProvider, o: BudgetOptions = {}): BudgetedProvider {
  const name = (provider as Partial<BudgetedProvider>).providerName ?? o.name ?? (provider.name || 'custom');
  const secrets = o.secrets ?? [];
  const fallback = (f: ChatFailure) =>
    typeof o.fallbackText === 'function' ? o.fallbackText(f) : (o.fallbackText ?? DEFAULT_FALLBACK_TEXT);
  const report = (f: ChatFailure) => {
    try {
      o.onError?.(f);
    } catch {
      // A broken logger must not turn a fallback into a failed reply.
    }
  };

  const budgeted: ChatProvider = (input, context) => {
    const budgetMs = o.budgetMs ?? context.budgetMs ?? DEFAULT_BUDGET_MS;
    const started = performance.now();
    const ac = new AbortController();
    const signal = context.signal ? AbortSignal.any([context.signal, ac.signal]) : ac.signal;
    return new Promise<ChatReply>((resolve) => {
      let done = false;
      const finish = (reply: ChatReply | undefined, err?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const latencyMs = Math.round(performance.now() - started);
        const problem = err === undefined ? answerProblem(reply, name) : undefined;
        if (err === undefined && problem === undefined) return resolve(reply!);
        const failure =
          err !== undefined
            ? toFailure(err, name, latencyMs, secrets)
            : { provider: name, code: 'BAD_RESPONSE' as const, reason: problem!, latencyMs };
        report(failure);
        resolve(fallback(failure));
      };
      const timer = setTimeout(() => {
        const e = new ProviderError('TIMEOUT', `${name} did not answer within the ${budgetMs} ms budget`, {
          provider: name,
        });
        ac.abort(e);
        finish(undefined, e);
      }, budgetMs);
      Promise.resolve()
        .then(() => provider(input, { ...context, signal }))
        .then(
          (reply) => finish(reply),
          (err: unknown) => finish(undefined, err),
        );
    });
  };
  return Object.assign(budgeted, { providerName: name });
}
