/** The bookkeeping of one message in the dispatcher (dispatch.ts): its run, its waiters, its abort signal. */
import type { WechatMessage } from '../protocol/messages.js';
import type { Deadline } from './deadline-queue.js';
import type { Outcome } from './dedupe.js';
import type { DispatchResult } from './dispatch.js';

/** The first delivery of a message, as seen by retries in the same process. */
export class Pending {
  done = false;
  outcome: Outcome | undefined;
  #promise: Promise<Outcome | undefined> | undefined;
  #resolve: ((o: Outcome | undefined) => void) | undefined;

  // Made only when a retry actually waits: most messages have none.
  wait(): Promise<Outcome | undefined> {
    if (this.done) return Promise.resolve(this.outcome);
    this.#promise ??= new Promise((r) => {
      this.#resolve = r;
    });
    return this.#promise;
  }

  settle(o: Outcome | undefined): void {
    this.done = true;
    this.outcome = o;
    this.#resolve?.(o);
  }
}

/**
 * One message this process is handling: its pending entry, deadline, answer and abort signal in
 * one object. The AbortController is made only if a handler reads ctx.signal: most never do, and
 * one per message is measurable on the hot path.
 */
export class Job extends Pending {
  state: 'running' | 'done' | 'late' = 'running';
  /** This process runs the handler for it (else it only watches the store for another replica's run). */
  runs = false;
  /** Its claim on a shared store is a lease to renew. */
  leased = false;
  /** Past the deadline in the retry window: deliveries are held, the answer may become pending. */
  holding = false;
  /** The last delivery got the answer itself: nothing to keep as pending. */
  lastAnswered = false;
  /** Answered with the user's pending answer instead of running the bot. */
  gavePending = false;
  /** In the dispatcher's #pending map. */
  listed = false;
  /** The result, once there is one (the reply, or `success` at the deadline). */
  answered: DispatchResult | undefined;
  #resultPromise: Promise<DispatchResult> | undefined;
  #resolveResult: ((r: DispatchResult) => void) | undefined;
  deadline: Deadline | undefined;
  lateTimer: NodeJS.Timeout | undefined;
  finished: Promise<void> | undefined;
  aborted = false;
  /** The handler and any late-reply hook are done (or it never ran: a retry). */
  over = false;
  #ac: AbortController | undefined;
  #reason: unknown;

  constructor(
    readonly message: WechatMessage,
    readonly key: string,
    private readonly onLate: (job: Job) => void,
  ) {
    super();
  }

  answer(r: DispatchResult): void {
    if (this.answered) return;
    this.answered = r;
    this.#resolveResult?.(r);
  }

  /** The result as a promise: made only for callers that have to wait. */
  get result(): Promise<DispatchResult> {
    if (this.answered) return Promise.resolve(this.answered);
    this.#resultPromise ??= new Promise((r) => {
      this.#resolveResult = r;
    });
    return this.#resultPromise;
  }

  /** Called by the deadline queue. */
  fire(): void {
    this.onLate(this);
  }

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
