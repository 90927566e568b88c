/**
 * The exchanges the inspector lists: the last `capacity` of them, oldest first, in memory only (the
 * history file is the durable record). Each is kept as its detail; the summary is a view of it.
 */
import type { ExchangeDetail, ExchangeSummary } from './wire.js';

export const DEFAULT_CAPACITY = 5000;

export type NewExchange = Omit<ExchangeDetail, 'id'>;

export function summaryOf(d: ExchangeDetail): ExchangeSummary {
  const s: ExchangeSummary = {
    id: d.id,
    time: d.time,
    source: d.source,
    user: d.user,
    mode: d.mode,
    label: d.label,
    message: d.message,
    outcome: d.outcome,
    status: d.status,
    ms: d.ms,
    problems: d.problems,
    warnings: d.warnings,
  };
  if (d.replayOf !== undefined) s.replayOf = d.replayOf;
  if (d.customService !== undefined) s.customService = d.customService;
  return s;
}

export class ExchangeLog {
  readonly capacity: number;
  #items: ExchangeDetail[] = [];
  // A ring: #items[#head] is the oldest once the log is full.
  #head = 0;
  #nextId = 1;

  constructor(capacity = DEFAULT_CAPACITY) {
    this.capacity = Math.max(1, capacity);
  }

  add(x: NewExchange): ExchangeDetail {
    const d = { id: this.#nextId++, ...x } as ExchangeDetail;
    if (this.#items.length < this.capacity) this.#items.push(d);
    else {
      this.#items[this.#head] = d;
      this.#head = (this.#head + 1) % this.capacity;
    }
    return d;
  }

  /** Ids only grow, so the one asked for sits at a known distance from the newest. */
  get(id: number): ExchangeDetail | undefined {
    const n = this.#items.length;
    const newest = this.#nextId - 1;
    const back = newest - id;
    if (!Number.isInteger(id) || back < 0 || back >= n) return undefined;
    return this.#items[(this.#head + n - 1 - back) % n];
  }

  /** Oldest first. */
  summaries(): ExchangeSummary[] {
    const n = this.#items.length;
    const out: ExchangeSummary[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = summaryOf(this.#items[(this.#head + i) % n]!);
    return out;
  }

  get size(): number {
    return this.#items.length;
  }
}
