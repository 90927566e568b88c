/**
 * Slow answers: what happens when a handler is still running at the reply deadline.
 *
 * - `custom-service`: `success` at the deadline, the answer through the customer-service API
 *   (needs AppID + AppSecret and a verified account; the late-reply hook does the sending).
 * - `retry-window`: WeChat re-delivers an unanswered message, each delivery waiting 5 s, three
 *   deliveries in all (protocol.md §5.3). Deliveries before the last are held past WeChat's 5 s
 *   and closed without a reply, so WeChat delivers again while the handler runs on; a delivery
 *   still open when it finishes carries the answer. The last delivery answers a short waiting text
 *   at the deadline and the answer is kept as pending for the user, handed out on their next message.
 * - `off`: `success` at the deadline and the answer is dropped (unless a late-reply hook takes it).
 *
 * Everything here lives in the store, so replicas sharing Redis agree on counts and pending answers.
 */
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { incrementCounter, takeOnce } from '../store/atomic.js';
import type { LocalStore, Store } from '../store/store.js';
import { decodeOutcome, encodeOutcome, type Outcome } from './dedupe.js';

export type SlowStrategy = 'custom-service' | 'retry-window' | 'off';
export type SlowRepliesChoice = SlowStrategy | 'auto';
export const SLOW_REPLY_CHOICES: readonly SlowRepliesChoice[] = ['auto', 'custom-service', 'retry-window', 'off'];

export const DEFAULT_WAITING_TEXT = '正在思考，稍后发送任意消息获取回答';
/** WeChat's deliveries of one message, as the retry window must assume them (protocol.md §5.3). */
export const DEFAULT_DELIVERIES = 3;
/** A held delivery is closed this long after it arrived: past WeChat's 5 s, so WeChat has given up on it. */
export const DEFAULT_HOLD_MS = 5500;
export const DEFAULT_PENDING_TTL_MS = 10 * 60_000;
/** How long a slow handler (a chat provider) may run when its answer can still reach the user. */
export const DEFAULT_SLOW_LIMIT_MS = 60_000;
/** How long the fleet remembers that WeChat refused the customer-service API (48001/48002). */
const REFUSED_TTL_MS = 30 * 24 * 3600_000;
/** A replica using custom-service looks for the fleet's switch at most this often. */
const REFRESH_MS = 5_000;

/** The retry window's step for one delivery, as the request log and the history show it. */
export type SlowStep = 'held' | 'answered' | 'waiting' | 'pending';

/**
 * How a delivery that reached its deadline with the handler still running ends. `delivery` is
 * undefined when the store could not count it (it is then treated as the last: `last`).
 */
export type SlowAnswer =
  | { step: 'answered'; outcome: Outcome; delivery: number | undefined; last: boolean }
  | { step: 'held' | 'waiting'; delivery: number | undefined; last: boolean };

/** Resolves with the message's outcome once there is one, or undefined at `until` (epoch ms). */
export type WaitForOutcome = (until: number) => Promise<Outcome | undefined>;

export interface SlowReplyOptions {
  strategy: SlowStrategy;
  /** The last delivery's answer while the handler still runs. Default 「正在思考，稍后发送任意消息获取回答」. */
  waitingText?: string;
  /** How long a pending answer waits for the user's next message. Default 10 minutes. */
  pendingTtlMs?: number;
  /** When set, only a text message equal to it fetches the pending answer (other messages go to the bot). */
  fetchKeyword?: string;
  /** Deliveries WeChat makes of one message. Default 3. */
  deliveries?: number;
  /** A held delivery is closed without a reply this long after it arrived. Default 5500 ms. */
  holdMs?: number;
  /** A handler running past the deadline is aborted after this long. Default 60 000 ms. */
  limitMs?: number;
}

/** `auto`: the customer-service API when the account can call it (AppID + AppSecret), else the retry window. */
export function chooseSlowStrategy(
  choice: SlowRepliesChoice,
  account: { appId?: string; appSecret?: string },
): SlowStrategy {
  if (choice !== 'auto') return choice;
  return account.appId && account.appSecret ? 'custom-service' : 'retry-window';
}

/** WeChat's errcodes for an account without the customer-service API (unverified, or not granted). */
export function refusesCustomService(errcode: number | undefined): boolean {
  return errcode === 48001 || errcode === 48002;
}

/** The strategy of one server and the store records it keeps (delivery counts, pending answers). */
export class SlowReplies {
  #strategy: SlowStrategy;
  readonly waitingText: string;
  readonly pendingTtlMs: number;
  readonly fetchKeyword: string | undefined;
  readonly deliveries: number;
  readonly holdMs: number;
  readonly limitMs: number;
  readonly #store: Store;
  readonly #prefix: string;

  constructor(store: Store, appId: string | undefined, o: SlowReplyOptions) {
    this.#store = store;
    this.#prefix = `wxbot:${appId || 'default'}:`;
    this.#strategy = o.strategy;
    this.waitingText = o.waitingText ?? DEFAULT_WAITING_TEXT;
    this.pendingTtlMs = o.pendingTtlMs ?? DEFAULT_PENDING_TTL_MS;
    this.fetchKeyword = o.fetchKeyword || undefined;
    this.deliveries = o.deliveries ?? DEFAULT_DELIVERIES;
    this.holdMs = o.holdMs ?? DEFAULT_HOLD_MS;
    this.limitMs = o.limitMs ?? DEFAULT_SLOW_LIMIT_MS;
    if (o.strategy === 'custom-service') {
      // Another replica may switch the fleet (48001): look for it now and then, not on every message.
      const timer = setInterval(() => {
        if (this.#strategy !== 'custom-service') clearInterval(timer);
        else this.refresh().catch(() => {});
      }, REFRESH_MS);
      timer.unref();
    }
  }

  get strategy(): SlowStrategy {
    return this.#strategy;
  }

  /** Whether slow handlers hold deliveries (and pending answers are looked for). */
  get holding(): boolean {
    return this.#strategy === 'retry-window';
  }

  /**
   * WeChat refused a customer-service send (48001/48002): this process, and through the store
   * every replica, uses the retry window from now on.
   */
  async switchToRetryWindow(): Promise<void> {
    this.#strategy = 'retry-window';
    await this.#store.set(`${this.#prefix}slow-replies`, 'retry-window', REFUSED_TTL_MS);
  }

  /** Picks up another replica's switch (called when a message goes late, and every few seconds). */
  async refresh(): Promise<void> {
    if (this.#strategy !== 'custom-service') return;
    if ((await this.#store.get(`${this.#prefix}slow-replies`)) === 'retry-window') this.#strategy = 'retry-window';
  }

  /**
   * A delivery at its deadline with the handler still running: counted, then held until
   * `receivedAt + holdMs` (answered if the handler finishes meanwhile), or, when it is the last
   * delivery WeChat makes, answered at once with the waiting text. A delivery the store cannot
   * count is treated as the last (the user then sees the waiting text rather than nothing), and its
   * number is left unknown rather than made up.
   */
  async atDeadline(
    dedupeKey: string,
    receivedAt: number,
    ttlMs: number,
    wait: WaitForOutcome,
    onError: (err: unknown) => void,
  ): Promise<SlowAnswer> {
    let delivery: number | undefined;
    try {
      delivery = await this.countDelivery(dedupeKey, ttlMs);
    } catch (err) {
      onError(err);
    }
    const last = delivery === undefined || delivery >= this.deliveries;
    const outcome = await wait(last ? 0 : receivedAt + this.holdMs);
    if (outcome) return { step: 'answered', outcome, delivery, last };
    return { step: last ? 'waiting' : 'held', delivery, last };
  }

  /** Counts a delivery that reached its deadline with the handler still running: 1 for the first. */
  countDelivery(dedupeKey: string, ttlMs: number): Promise<number> {
    return incrementCounter(this.#store, `${dedupeKey}:n`, ttlMs);
  }

  /** Deliveries counted so far (0 when none reached its deadline). */
  async counted(dedupeKey: string): Promise<number> {
    return Number.parseInt((await this.#store.get(`${dedupeKey}:n`)) ?? '0', 10) || 0;
  }

  /** Keeps an answer nobody received for the user's next message. */
  storePending(message: WechatMessage, reply: ReplyBody): Promise<void> {
    return this.#store.set(this.#pendingKey(message), encodeOutcome({ kind: 'reply', reply }), this.pendingTtlMs);
  }

  /** Whether this message may fetch a pending answer: a user's message (not an event), or the keyword. */
  fetches(message: WechatMessage): boolean {
    if (message.MsgType === 'event') return false;
    if (this.fetchKeyword === undefined) return true;
    return message.MsgType === 'text' && (message as { Content?: string }).Content?.trim() === this.fetchKeyword;
  }

  /** The user's pending answer, handed out once (undefined when there is none). */
  async takePending(message: WechatMessage): Promise<ReplyBody | undefined> {
    const raw = await takeOnce(this.#store, this.#pendingKey(message));
    const o = raw === undefined ? undefined : decodeOutcome(raw);
    return o?.kind === 'reply' ? o.reply : undefined;
  }

  /** takePending() on a store in this process: no promise, so a bot that answers at once stays synchronous. */
  takePendingNow(local: LocalStore, message: WechatMessage): ReplyBody | undefined {
    const key = this.#pendingKey(message);
    const raw = local.getNow(key);
    if (raw === undefined) return undefined;
    void local.delete(key);
    const o = decodeOutcome(raw);
    return o?.kind === 'reply' ? o.reply : undefined;
  }

  #pendingKey(message: WechatMessage): string {
    return `${this.#prefix}pending:${message.FromUserName}`;
  }
}
