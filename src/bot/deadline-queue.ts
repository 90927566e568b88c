/** A deadline in a DeadlineQueue; `cancel()` is O(1). */
export interface Deadline {
  readonly at: number;
  cancel(): void;
}

/** What a deadline calls when it passes: an object with `fire()`, so callers need no closure. */
export interface DeadlineTarget {
  fire(): void;
}

// A class, not a closure per deadline: one small object per message.
class Item implements Deadline {
  constructor(
    readonly at: number,
    public target: DeadlineTarget | undefined,
    readonly queue: DeadlineQueue,
  ) {}
  cancel(): void {
    if (!this.target) return;
    this.target = undefined;
    this.queue.settled();
  }
}

/**
 * Many deadlines on one timer. Almost every message finishes long before its deadline, so a
 * node timer per message would be armed and cleared for nothing; here a message costs an array
 * store, cancelled entries are dropped lazily, and one timer waits for the oldest live deadline.
 * The array is kept and its used length tracked here: under steady traffic the queue empties and
 * refills once per message, and a new array (or `length = 0`, which V8 also reallocates from) each
 * time was a measurable share of a request's allocations.
 */
export class DeadlineQueue {
  /** Sorted by `at` from #head to #len; slots outside that range hold nothing. */
  readonly #items: (Item | undefined)[] = [];
  #head = 0;
  #len = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Infinity;
  #live = 0;

  add(at: number, target: DeadlineTarget): Deadline {
    const item = new Item(at, target, this);
    // Waiting again: a timer left from before (unref'd while idle) keeps the process alive again.
    if (++this.#live === 1) this.#timer?.ref();
    const items = this.#items;
    // Messages finish roughly in arrival order: drop the finished ones at the front as we go, so
    // the queue holds about as many entries as there are messages in flight.
    while (this.#head < this.#len && !items[this.#head]!.target) items[this.#head++] = undefined;
    if (this.#head === this.#len) this.#head = this.#len = 0;
    else if (this.#head > 64 && this.#head * 2 > this.#len) this.#compact();
    // Deadlines arrive almost in order (same budget, increasing arrival); keep the range sorted.
    let i = this.#len;
    while (i > this.#head && items[i - 1]!.at > at) {
      items[i] = items[i - 1];
      i--;
    }
    items[i] = item;
    this.#len++;
    if (at < this.#armedAt) this.#arm(at);
    return item;
  }

  /** Deadlines neither passed nor cancelled. */
  get size(): number {
    return this.#live;
  }

  /**
   * @internal An item was cancelled. With nothing left to wait for the timer must not keep the
   * process alive: it is unref'd rather than cleared, because under steady traffic the queue empties
   * and refills once per message, and a clearTimeout/setTimeout pair per message is measurable. The
   * stale timer, if it ever fires, finds nothing due and re-arms for whatever is then first.
   */
  settled(): void {
    if (--this.#live === 0) {
      this.#timer?.unref();
      this.#empty();
    }
  }

  // Every entry left is cancelled: forget them, keep the array.
  #empty(): void {
    const items = this.#items;
    for (let i = this.#head; i < this.#len; i++) items[i] = undefined;
    this.#head = this.#len = 0;
  }

  // Moves the live range to the front.
  #compact(): void {
    const items = this.#items;
    const n = this.#len - this.#head;
    for (let i = 0; i < n; i++) items[i] = items[this.#head + i];
    for (let i = n; i < this.#len; i++) items[i] = undefined;
    this.#head = 0;
    this.#len = n;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, at - Date.now()));
    if (this.#live === 0) this.#timer.unref();
  }

  #run(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const items = this.#items;
    const now = Date.now();
    while (this.#head < this.#len) {
      const it = items[this.#head]!;
      if (it.target && it.at > now) break;
      items[this.#head++] = undefined;
      const target = it.target;
      it.target = undefined;
      if (target) {
        this.#live--;
        target.fire();
      }
    }
    if (this.#head === this.#len) {
      this.#head = this.#len = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#len) this.#compact();
    this.#arm(items[this.#head]!.at);
  }

  /** Drops every deadline and the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const items = this.#items;
    for (let i = this.#head; i < this.#len; i++) {
      items[i]!.target = undefined;
      items[i] = undefined;
    }
    this.#head = this.#len = 0;
    this.#live = 0;
  }
}
