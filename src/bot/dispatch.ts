import { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { renewLease } from '../store/atomic.js';
import { isLocalStore, type LocalStore, type Store } from '../store/store.js';
import type { MediaReplies } from '../wechat-api/media-cache.js';
import type { Bot, HandleOptions } from './bot.js';
import { DONE } from './compose.js';
import { DeadlineQueue } from './deadline-queue.js';
import { PENDING, decodeOutcome, dedupeKey, encodeOutcome, type Outcome } from './dedupe.js';
import { Job } from './job.js';
import type { SlowAnswer, SlowReplies, SlowStep, WaitForOutcome } from './slow-reply.js';

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
  /** Media ids for replies made from files (ctx.replyImage({ file })); see createMediaReplies. */
  media?: MediaReplies;
  /**
   * How long a claim on a shared store (Redis) lives unless its owner renews it: a replica that dies
   * mid-message loses its claim within this, and a retry on another replica runs the handler. Default 3000.
   */
  leaseMs?: number;
  /** The slow-reply strategy (see slow-reply.ts); without it a handler past the deadline gets `success`. */
  slow?: SlowReplies;
  /** Told when an answer nobody received was kept as pending for the user's next message. */
  onPendingStored?: (message: WechatMessage, reply: ReplyBody) => void;
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
  /** The retry window's step for this delivery; `held`: close the connection without a reply. */
  slow?: SlowStep;
  /** Which delivery of the message this was (counted when the retry window is in play). */
  delivery?: number;
}

const DEFAULT_LATE_LIMIT_MS = 60_000;

/**
 * How long a handler's answer can still reach the user (Context#answerWithinMs): as long as a late
 * answer is sent (the customer-service hook) or waited for (the retry window); undefined with neither.
 */
function answerWithinMs(o: DispatcherOptions): number | undefined {
  if (o.onLateReply) return o.lateLimitMs ?? DEFAULT_LATE_LIMIT_MS;
  return o.slow?.holding ? o.slow.limitMs : undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs each message once fleet-wide within the reply deadline (protocol.md §5.3, §5.4).
 * The first delivery claims the key with setIfAbsent and stores the outcome; a retry in the same
 * process awaits the pending promise, a retry on another replica polls the store. Built only on
 * the Store interface, so a shared (Redis) store makes it work across processes unchanged.
 * On an in-process store a bot that answers synchronously skips the claim (see #runLocal).
 */
export class Dispatcher {
  #bot: Bot;
  readonly #o: DispatcherOptions;
  readonly #prefix: string;
  readonly #deadlineMs: number;
  readonly #ttlMs: number;
  readonly #leaseMs: number;
  #renewTimer: NodeJS.Timeout | undefined;
  /** Deliveries of this process by key, while they run (retries in this process wait on them). */
  readonly #pending = new Map<string, Job>();
  /** Handlers running (late ones included, until their late-reply hook is done). */
  #running = 0;
  /** Handlers past their deadline, until their late-reply hook is done (they leave #pending when they complete). */
  readonly #lateJobs = new Set<Job>();
  readonly #deadlines = new DeadlineQueue();
  /** The store again when it lives in this process: claims and outcomes then need no promise. */
  readonly #local: LocalStore | undefined;
  // Made once, not per message.
  readonly #reportBound = (err: unknown, message: WechatMessage) => this.#report(err, message);
  readonly #onLate = (job: Job) => this.#late(job);

  constructor(bot: Bot, options: DispatcherOptions) {
    this.#bot = bot;
    this.#o = options;
    this.#prefix = `wxbot:${options.appId || 'default'}:`;
    this.#deadlineMs = options.deadlineMs ?? 4500;
    this.#ttlMs = options.dedupeTtlMs ?? 60_000;
    this.#leaseMs = options.leaseMs ?? 3000;
    this.#local = isLocalStore(options.store) ? options.store : undefined;
    this.#handleOptions = {
      store: options.store,
      appId: options.appId,
      reportError: this.#reportBound,
      media: options.media,
      answerWithinMs: answerWithinMs(options),
    };
  }

  get bot(): Bot {
    return this.#bot;
  }

  /** Swaps the bot (used by `wxbot serve --watch`); in-flight messages finish on the old one. */
  setBot(bot: Bot): void {
    this.#bot = bot;
  }

  /** Deliveries this process is handling that a retry would wait on (for monitoring). */
  get pending(): number {
    return this.#pending.size;
  }

  /** Handlers still running, including ones past their deadline. */
  get inFlight(): number {
    return this.#running;
  }

  #jobs(): Job[] {
    const out = new Set<Job>(this.#lateJobs);
    for (const job of this.#pending.values()) if (!job.over && job.finished) out.add(job);
    return [...out];
  }

  /** Resolves once every running handler (and its late-reply hook) has finished. */
  async idle(): Promise<void> {
    while (this.#running > 0) await Promise.allSettled(this.#jobs().map((j) => j.finished));
  }

  /** Aborts every running handler's signal (hard shutdown). */
  abortAll(reason: unknown = new WxbotError('SHUTDOWN', 'server is shutting down')): void {
    for (const j of this.#jobs()) j.abort(reason);
  }

  #report(err: unknown, message: WechatMessage): void {
    try {
      this.#o.onError?.(err, message);
    } catch {
      // a failing logger must not break message handling
    }
  }

  // Deleted at once: a settled job kept for later would be copied by every young-generation GC
  // until it is old (measured: +16k instructions a request with 1024 kept).
  #release(job: Job, o: Outcome | undefined): void {
    job.settle(o);
    if (job.listed && this.#pending.get(job.key) === job) this.#pending.delete(job.key);
  }

  #list(job: Job): void {
    job.listed = true;
    this.#pending.set(job.key, job);
  }

  /** The delivery of this process with that key, while it runs. */
  #shared(key: string): Job | undefined {
    const sync = this.#syncJob;
    return sync !== undefined && sync.key === key ? sync : this.#pending.get(key);
  }

  /** The job a bot is running synchronously right now (it is not in #pending, see #runLocal). */
  #syncJob: Job | undefined;

  /** `receivedAt` (ms) is when the request arrived: the deadline counts from there. */
  dispatch(message: WechatMessage, receivedAt: number = Date.now()): Promise<DispatchResult> {
    const r = this.dispatchNow(message, receivedAt);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  /**
   * dispatch() for the request path: the result itself when it is known at once (a synchronous
   * bot on an in-process store, a retry of a finished message), else a promise of it.
   */
  dispatchNow(message: WechatMessage, receivedAt: number = Date.now()): DispatchResult | Promise<DispatchResult> {
    try {
      const key = dedupeKey(this.#prefix, message);
      const deadlineAt = receivedAt + this.#deadlineMs;
      const shared = this.#shared(key);
      if (shared) {
        if (shared.done) return retryResult(shared.outcome);
        if (this.#o.slow?.holding) {
          // Only a delivery that runs the handler is waited on; one that watches the store is not.
          if (shared.runs) return this.#waitHeld(shared, message, deadlineAt);
        } else return beforeDeadline(shared.wait(), deadlineAt).then(retryResult);
      }
      const local = this.#local;
      if (local) {
        let held: string | undefined;
        try {
          held = local.getNow(key);
        } catch (err) {
          this.#report(err, message);
          held = undefined;
        }
        if (held === undefined) return this.#runLocal(local, key, message, deadlineAt);
        // A retry of a message answered already: its outcome, with no promise.
        const answered = decodeOutcome(held);
        if (answered) return retryResult(answered);
        // Held by another handler on the same store: the general path waits for it.
      }
      return this.#claim(key, message, deadlineAt);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async #claim(key: string, message: WechatMessage, deadlineAt: number): Promise<DispatchResult> {
    // Registered before the first await so a concurrent retry in this process finds it.
    const job = new Job(message, key, this.#onLate);
    this.#list(job);
    const shared = this.#local === undefined;
    for (;;) {
      let claimed: boolean;
      try {
        // On a shared store the claim is a lease its owner renews (#renewLeases): a dead owner's lapses.
        claimed = await this.#o.store.setIfAbsent(key, PENDING, shared ? this.#leaseMs : this.#ttlMs);
      } catch (err) {
        // Store down: answering (maybe twice) beats dropping the message.
        this.#report(err, message);
        claimed = true;
      }
      if (claimed) {
        if (shared) this.#holdLease(job);
        return await this.#run(job, deadlineAt);
      }
      const o = await this.#poll(key, deadlineAt, message);
      // The claim lapsed (its owner died) or the store failed: run the handler here rather than drop the answer.
      if (o === FAILED && Date.now() < deadlineAt) return await this.#run(job, deadlineAt);
      if (o === 'gone' && Date.now() < deadlineAt) continue;
      const outcome = o === 'gone' || o === FAILED ? undefined : o;
      this.#release(job, outcome);
      job.over = true;
      if (o === undefined && this.#o.slow?.holding) return this.#slowResult(key, deadlineAt, message, undefined);
      return retryResult(outcome);
    }
  }

  async #poll(
    key: string,
    until: number,
    message: WechatMessage,
    cap = 100,
  ): Promise<Outcome | 'gone' | typeof FAILED | undefined> {
    let wait = 10;
    for (;;) {
      let raw: string | undefined;
      try {
        raw = await this.#o.store.get(key);
      } catch (err) {
        this.#report(err, message);
        return FAILED;
      }
      if (raw === undefined) return 'gone';
      const o = decodeOutcome(raw);
      if (o) return o;
      const left = until - Date.now();
      if (left <= 0) return undefined;
      await sleep(Math.min(wait, left));
      wait = Math.min(wait * 2, cap);
    }
  }

  #run(job: Job, deadlineAt: number): DispatchResult | Promise<DispatchResult> {
    this.#running++;
    job.runs = true;
    job.deadline = this.#deadlines.add(deadlineAt, job);
    return this.#outcomeOf(job, this.#invoke(job));
  }

  /** Keeps the job's claim alive while it runs: one timer for all of them, stopped when none is left. */
  #holdLease(job: Job): void {
    job.leased = true;
    if (this.#renewTimer) return;
    this.#renewTimer = setInterval(() => this.#renewLeases(), Math.max(10, Math.floor(this.#leaseMs / 3)));
    this.#renewTimer.unref();
  }

  #renewLeases(): void {
    let held = false;
    for (const job of this.#pending.values()) {
      if (!job.leased || job.over || job.done) continue;
      held = true;
      // A renewal that fails is no loss: the claim lapses and a retry runs the handler again.
      renewLease(this.#o.store, job.key, PENDING, this.#leaseMs).catch(() => {});
    }
    if (!held) {
      clearInterval(this.#renewTimer);
      this.#renewTimer = undefined;
    }
  }

  /** A retry in this process while the handler runs here: waits on it, and holds past the deadline. */
  async #waitHeld(job: Job, message: WechatMessage, deadlineAt: number): Promise<DispatchResult> {
    const o = await beforeDeadline(job.wait(), deadlineAt);
    // The answer of a held message, on a later delivery: the log says so.
    if (o !== undefined || job.done) return job.holding ? { ...retryResult(o), slow: 'answered' } : retryResult(o);
    return this.#slowResult(job.key, deadlineAt, message, job);
  }

  /**
   * A delivery at its deadline in the retry window: waits on the running handler, in this process
   * (`job`) or through the store, and says what the delivery answers.
   */
  async #slowResult(
    key: string,
    deadlineAt: number,
    message: WechatMessage,
    job: Job | undefined,
  ): Promise<DispatchResult> {
    const wait: WaitForOutcome = job
      ? (until) => (job.done ? Promise.resolve(job.outcome) : beforeDeadline(job.wait(), until))
      : async (until) => {
          // 'gone' (the owner died) or a failed store: this delivery closes; the next one runs the handler.
          const o = await this.#poll(key, until, message);
          return o === 'gone' || o === FAILED ? undefined : o;
        };
    const slow = this.#o.slow!;
    const a = await slow.atDeadline(key, deadlineAt - this.#deadlineMs, this.#ttlMs, wait, (err) =>
      this.#report(err, message),
    );
    if (job && a.step === 'answered' && a.last) job.lastAnswered = true;
    return slowDispatchResult(a, slow.waitingText, job === undefined || a.delivery !== 1);
  }

  /** What the bot's run gives the request: the result now when it finished, else a promise of it. */
  #outcomeOf(
    job: Job,
    r: ReplyBody | undefined | Promise<ReplyBody | undefined>,
  ): DispatchResult | Promise<DispatchResult> {
    if (r instanceof Promise) {
      job.finished = this.#settle(job, r);
      return job.result;
    }
    // Finished already: no promise for the result, nothing to wait for.
    job.finished = this.#complete(job, r, undefined) ?? DONE;
    return job.answered!;
  }

  #invoke(job: Job): ReplyBody | undefined | Promise<ReplyBody | undefined> {
    const slow = this.#o.slow;
    if (slow?.holding && slow.fetches(job.message)) {
      const local = this.#local;
      if (!local) return this.#pendingOrBot(job, slow);
      let pending: ReplyBody | undefined;
      try {
        pending = slow.takePendingNow(local, job.message);
      } catch (err) {
        this.#report(err, job.message);
      }
      if (pending) {
        job.gavePending = true;
        return pending;
      }
    }
    return this.#invokeBot(job);
  }

  /** The user's pending answer from an earlier slow message, if any, before the bot sees this one. */
  async #pendingOrBot(job: Job, slow: SlowReplies): Promise<ReplyBody | undefined> {
    try {
      const pending = await slow.takePending(job.message);
      if (pending) {
        job.gavePending = true;
        return pending;
      }
    } catch (err) {
      this.#report(err, job.message);
    }
    return this.#invokeBot(job);
  }

  #invokeBot(job: Job): ReplyBody | undefined | Promise<ReplyBody | undefined> {
    try {
      const bot = this.#bot;
      // A bot from another copy of wxbot (a user's own dependency) may predate run().
      return typeof bot.run === 'function'
        ? bot.run(job.message, this.#handleOptions, job)
        : bot.handle(job.message, { ...this.#handleOptions, signal: job });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * #run for a message whose key is free on an in-process store. Nothing else can run before the
   * bot returns, so a bot that answers synchronously needs no pending marker in the store, no entry
   * in #pending and no deadline: its outcome is the one write. (A retry can only come on a later
   * turn; the bot itself dispatching the same message again finds #syncJob.) A bot that returns a
   * promise gets all three before anything else can run, as a claim would have given them.
   */
  #runLocal(
    local: LocalStore,
    key: string,
    message: WechatMessage,
    deadlineAt: number,
  ): DispatchResult | Promise<DispatchResult> {
    const job = new Job(message, key, this.#onLate);
    this.#running++;
    job.runs = true;
    const outer = this.#syncJob;
    this.#syncJob = job;
    // #invoke turns a throw into a rejected promise, so the slot is always restored.
    const r = this.#invoke(job);
    this.#syncJob = outer;
    if (r instanceof Promise) {
      this.#list(job);
      try {
        local.setNow(key, PENDING, this.#ttlMs);
      } catch (err) {
        this.#report(err, message);
      }
      job.deadline = this.#deadlines.add(deadlineAt, job);
    }
    return this.#outcomeOf(job, r);
  }

  readonly #handleOptions: HandleOptions;

  // An async method rather than then() callbacks: no closures per message.
  async #settle(job: Job, r: Promise<ReplyBody | undefined>): Promise<void> {
    let reply: ReplyBody | undefined;
    try {
      reply = await r;
    } catch (err) {
      return this.#complete(job, undefined, err);
    }
    return this.#complete(job, reply, undefined);
  }

  // The deadline passed with the handler still running: answer `success` now.
  #late(job: Job): void {
    if (job.state !== 'running') return;
    job.state = 'late';
    this.#lateJobs.add(job);
    const slow = this.#o.slow;
    if (slow) {
      slow.refresh().catch((e: unknown) => this.#report(e, job.message));
      if (slow.holding) {
        this.#lateHeld(job, slow);
        return;
      }
    }
    job.answer({ reply: undefined, dedupe: false, late: true });
    // Retries on other replicas stop waiting and answer `success` too.
    this.#o.store
      .set(job.key, encodeOutcome({ kind: 'late' }), this.#ttlMs)
      .catch((e: unknown) => this.#report(e, job.message));
    if (!this.#o.onLateReply) job.abort(new WxbotError('DEADLINE', 'reply deadline passed'));
    else
      job.lateTimer = setTimeout(
        () => job.abort(new WxbotError('LATE_LIMIT', 'late reply took too long')),
        this.#o.lateLimitMs ?? DEFAULT_LATE_LIMIT_MS,
      );
  }

  /**
   * The retry window: the handler runs on (up to the slow limit), its claim stays pending so every
   * delivery waits on it, and this delivery is held or answered like any other (#slowResult).
   */
  #lateHeld(job: Job, slow: SlowReplies): void {
    job.holding = true;
    job.lateTimer = setTimeout(
      () => job.abort(new WxbotError('LATE_LIMIT', 'the slow reply took too long')),
      slow.limitMs,
    );
    const deadlineAt = job.deadline?.at ?? Date.now();
    this.#slowResult(job.key, deadlineAt, job.message, job).then(
      (r) => job.answer({ ...r, dedupe: false }),
      (err: unknown) => job.answer({ reply: undefined, dedupe: false, late: true, error: err }),
    );
  }

  #complete(job: Job, reply: ReplyBody | undefined, error: unknown): void | Promise<void> {
    job.deadline?.cancel();
    const wasLate = job.state === 'late';
    if (!wasLate) {
      job.state = 'done';
      job.answer(
        job.gavePending
          ? { reply, dedupe: false, late: false, error, slow: 'pending' }
          : { reply, dedupe: false, late: false, error },
      );
    }
    // A held message's answer is what every later delivery gets; a late one's is gone to the hook.
    const outcome: Outcome =
      wasLate && !job.holding ? { kind: 'late' } : reply ? { kind: 'reply', reply } : { kind: 'none' };
    const local = this.#local;
    if (local && !wasLate) {
      try {
        local.setNow(job.key, encodeOutcome(outcome), this.#ttlMs);
      } catch (e) {
        this.#report(e, job.message);
      }
      this.#release(job, outcome);
      this.#over(job);
      return;
    }
    return this.#completeLater(job, reply, error, outcome, wasLate);
  }

  async #completeLater(
    job: Job,
    reply: ReplyBody | undefined,
    error: unknown,
    outcome: Outcome,
    wasLate: boolean,
  ): Promise<void> {
    try {
      await this.#o.store.set(job.key, encodeOutcome(outcome), this.#ttlMs);
    } catch (e) {
      this.#report(e, job.message);
    }
    this.#release(job, outcome);
    if (wasLate) {
      clearTimeout(job.lateTimer);
      if (error !== undefined) this.#report(error, job.message);
      else if (job.holding) {
        if (reply && !job.aborted) await this.#keepIfUnanswered(job, reply);
      } else if (reply && this.#o.onLateReply && !job.aborted) {
        try {
          await this.#o.onLateReply(job.message, reply);
        } catch (e) {
          this.#report(e, job.message);
        }
      }
    }
    this.#over(job);
  }

  /** The last delivery answered the waiting text before this answer came: it waits for the user's next message. */
  async #keepIfUnanswered(job: Job, reply: ReplyBody): Promise<void> {
    const slow = this.#o.slow!;
    try {
      if (job.lastAnswered || (await slow.counted(job.key)) < slow.deliveries) return;
      await slow.storePending(job.message, reply);
      this.#o.onPendingStored?.(job.message, reply);
    } catch (e) {
      this.#report(e, job.message);
    }
  }

  #over(job: Job): void {
    job.over = true;
    this.#running--;
    this.#lateJobs.delete(job);
  }
}

const FAILED = Symbol('store failed');

function slowDispatchResult(a: SlowAnswer, waitingText: string, dedupe: boolean): DispatchResult {
  if (a.step === 'answered') return { ...retryResult(a.outcome), dedupe, slow: 'answered', delivery: a.delivery };
  const reply: ReplyBody | undefined = a.step === 'waiting' ? { MsgType: 'text', Content: waitingText } : undefined;
  return { reply, dedupe, late: true, slow: a.step, delivery: a.delivery };
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
