import { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { Store } from '../store/store.js';
import type { Bot } from './bot.js';
import { PENDING, decodeOutcome, dedupeKey, encodeOutcome, type Outcome } from './dedupe.js';

export interface DispatcherOptions {
  store: Store;
  /** Namespaces store keys (`wxbot:<appId>:…`); 'default' when absent. */
  appId?: string;
  /** Answer `success` when the handler is not done by then; WeChat gives up at 5 s. Default 4500. */
  deadlineMs?: number;
  /** How long retries are recognised (WeChat retries within ~15 s). Default 60 000. */
  dedupeTtlMs?: number;
  /** A handler past its deadline is aborted after this long (only when a late-reply hook exists). Default 60 000. */
  lateLimitMs?: number;
  /** Receives a reply that was ready only after `success` was answered (e.g. to send it as a customer-service message). */
  onLateReply?: (message: WechatMessage, reply: ReplyBody) => void | Promise<void>;
  /** Errors that no request can report any more (late handler failures, store failures, hook failures). */
  onError?: (err: unknown, message: WechatMessage) => void;
}

export interface DispatchResult {
  /** The reply to send; undefined answers `success`. */
  reply: ReplyBody | undefined;
  /** A retry answered from the first delivery (the handler did not run for it). */
  dedupe: boolean;
  /** The deadline passed and `success` is answered; a reply, if any comes, goes to onLateReply. */
  late: boolean;
  /** The handler threw and `bot.catch` did not turn it into a reply. */
  error?: unknown;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs each message once fleet-wide within the reply deadline (protocol.md §5.3, §5.4).
 * The first delivery claims the key with setIfAbsent and stores the outcome; a retry in the same
 * process awaits the pending promise, a retry on another replica polls the store. Built only on
 * the Store interface, so a shared (Redis) store makes it work across processes unchanged.
 */
export class Dispatcher {
  #bot: Bot;
  readonly #o: DispatcherOptions;
  readonly #prefix: string;
  readonly #deadlineMs: number;
  readonly #ttlMs: number;
  readonly #pending = new Map<string, Promise<Outcome | undefined>>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #aborts = new Set<LazyAbort>();

  constructor(bot: Bot, options: DispatcherOptions) {
    this.#bot = bot;
    this.#o = options;
    this.#prefix = `wxbot:${options.appId || 'default'}:`;
    this.#deadlineMs = options.deadlineMs ?? 4500;
    this.#ttlMs = options.dedupeTtlMs ?? 60_000;
  }

  get bot(): Bot {
    return this.#bot;
  }

  /** Swaps the bot (used by `wxbot serve --watch`); in-flight messages finish on the old one. */
  setBot(bot: Bot): void {
    this.#bot = bot;
  }

  /** Handlers still running, including ones past their deadline. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Resolves once every running handler (and its late-reply hook) has finished. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  /** Aborts every running handler's signal (hard shutdown). */
  abortAll(reason: unknown = new WxbotError('SHUTDOWN', 'server is shutting down')): void {
    for (const a of this.#aborts) a.abort(reason);
  }

  #report(err: unknown, message: WechatMessage): void {
    try {
      this.#o.onError?.(err, message);
    } catch {
      // a failing logger must not break message handling
    }
  }

  /** `receivedAt` (ms) is when the request arrived: the deadline counts from there. */
  async dispatch(message: WechatMessage, receivedAt: number = Date.now()): Promise<DispatchResult> {
    const key = dedupeKey(this.#prefix, message);
    const deadlineAt = receivedAt + this.#deadlineMs;
    const shared = this.#pending.get(key);
    if (shared) return retryResult(await beforeDeadline(shared, deadlineAt));

    // Registered before the first await so a concurrent retry in this process finds it.
    let settle!: (o: Outcome | undefined) => void;
    const mine = new Promise<Outcome | undefined>((r) => (settle = r));
    this.#pending.set(key, mine);
    const release = (o: Outcome | undefined) => {
      settle(o);
      if (this.#pending.get(key) === mine) this.#pending.delete(key);
    };
    for (;;) {
      let claimed: boolean;
      try {
        claimed = await this.#o.store.setIfAbsent(key, PENDING, this.#ttlMs);
      } catch (err) {
        // Store down: answering (maybe twice) beats dropping the message.
        this.#report(err, message);
        claimed = true;
      }
      if (claimed) return this.#run(message, key, deadlineAt, release);
      const o = await this.#poll(key, deadlineAt, message);
      if (o === 'gone' && Date.now() < deadlineAt) continue; // the claim expired or was dropped: try again
      const outcome = o === 'gone' ? undefined : o;
      release(outcome);
      return retryResult(outcome);
    }
  }

  async #poll(key: string, deadlineAt: number, message: WechatMessage): Promise<Outcome | 'gone' | undefined> {
    let wait = 10;
    for (;;) {
      let raw: string | undefined;
      try {
        raw = await this.#o.store.get(key);
      } catch (err) {
        this.#report(err, message);
        return undefined;
      }
      if (raw === undefined) return 'gone';
      const o = decodeOutcome(raw);
      if (o) return o;
      const left = deadlineAt - Date.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(wait, left));
      wait = Math.min(wait * 2, 100);
    }
  }

  #run(message: WechatMessage, key: string, deadlineAt: number, release: (o: Outcome) => void): Promise<DispatchResult> {
    const abort = new LazyAbort();
    this.#aborts.add(abort);
    // An object, not a `let`: it is changed by the timer and read by the worker.
    const st = { state: 'running' as 'running' | 'done' | 'late' };
    let lateTimer: NodeJS.Timeout | undefined;
    let answer!: (r: DispatchResult) => void;
    const result = new Promise<DispatchResult>((r) => (answer = r));
    const store = this.#o.store;

    const timer = setTimeout(() => {
      if (st.state !== 'running') return;
      st.state = 'late';
      answer({ reply: undefined, dedupe: false, late: true });
      // Retries on other replicas stop waiting and answer `success` too.
      store.set(key, encodeOutcome({ kind: 'late' }), this.#ttlMs).catch((e: unknown) => this.#report(e, message));
      if (!this.#o.onLateReply) abort.abort(new WxbotError('DEADLINE', 'reply deadline passed'));
      else lateTimer = setTimeout(() => abort.abort(new WxbotError('LATE_LIMIT', 'late reply took too long')), this.#o.lateLimitMs ?? 60_000);
    }, Math.max(0, deadlineAt - Date.now()));

    let finish!: Promise<void>;
    finish = (async () => {
      let reply: ReplyBody | undefined;
      let error: unknown;
      try {
        reply = await this.#bot.handle(message, {
          store, appId: this.#o.appId, signal: () => abort.signal, reportError: (e, m) => this.#report(e, m),
        });
      } catch (e) {
        error = e;
      }
      clearTimeout(timer);
      const wasLate = st.state === 'late';
      if (!wasLate) {
        st.state = 'done';
        answer({ reply, dedupe: false, late: false, error });
      }
      const outcome: Outcome = wasLate ? { kind: 'late' } : reply ? { kind: 'reply', reply } : { kind: 'none' };
      try {
        await store.set(key, encodeOutcome(outcome), this.#ttlMs);
      } catch (e) {
        this.#report(e, message);
      }
      release(outcome);
      if (wasLate) {
        clearTimeout(lateTimer);
        if (error !== undefined) this.#report(error, message);
        else if (reply && this.#o.onLateReply && !abort.aborted) {
          try {
            await this.#o.onLateReply(message, reply);
          } catch (e) {
            this.#report(e, message);
          }
        }
      }
      this.#aborts.delete(abort);
      this.#running.delete(finish);
    })();
    this.#running.add(finish);
    return result;
  }
}

/**
 * An AbortController made only when a handler reads ctx.signal: most handlers never do, and
 * creating one per message is measurable on the hot path.
 */
class LazyAbort {
  #ac: AbortController | undefined;
  #reason: unknown;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.#ac) {
      this.#ac = new AbortController();
      if (this.aborted) this.#ac.abort(this.#reason);
    }
    return this.#ac.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#reason = reason;
    this.#ac?.abort(reason);
  }
}

function retryResult(o: Outcome | undefined): DispatchResult {
  if (o?.kind === 'reply') return { reply: o.reply, dedupe: true, late: false };
  // 'late' / 'none': the first delivery already answered; undefined: still running at our deadline.
  return { reply: undefined, dedupe: true, late: o === undefined };
}

function beforeDeadline<T>(p: Promise<T>, deadlineAt: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), Math.max(0, deadlineAt - Date.now()));
    void p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

export function createDispatcher(bot: Bot, options: DispatcherOptions): Dispatcher {
  return new Dispatcher(bot, options);
}
