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
  constructor(readonly at: number, public target: DeadlineTarget | undefined, readonly queue: DeadlineQueue) {}
  cancel(): void {
    if (!this.target) return;
    this.target = undefined;
    this.queue.settled();
  }
}

/**
 * Many deadlines on one timer. Almost every message finishes long before its deadline, so a
 * node timer per message would be armed and cleared for nothing; here a message costs an array
 * push, cancelled entries are dropped lazily, and one timer waits for the oldest live deadline.
 */
export class DeadlineQueue {
  #items: (Item | undefined)[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Infinity;
  #live = 0;

  add(at: number, target: DeadlineTarget): Deadline {
    const item = new Item(at, target, this);
    // Waiting again: a timer left from before (unref'd while idle) keeps the process alive again.
    if (++this.#live === 1) this.#timer?.ref();
    // Messages finish roughly in arrival order: drop the finished ones at the front as we go, so
    // the queue holds about as many entries as there are messages in flight.
    while (this.#head < this.#items.length && !this.#items[this.#head]!.target) this.#items[this.#head++] = undefined;
    if (this.#head > 64 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    const items = this.#items;
    // Deadlines arrive almost in order (same budget, increasing arrival); keep the array sorted.
    let i = items.length;
    while (i > this.#head && items[i - 1]!.at > at) i--;
    if (i === items.length) items.push(item);
    else items.splice(i, 0, item);
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
      this.#items = [];
      this.#head = 0;
    }
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
    while (this.#head < items.length) {
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
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    this.#arm(this.#items[this.#head]!.at);
  }

  /** Drops every deadline and the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    for (let i = this.#head; i < this.#items.length; i++) this.#items[i]!.target = undefined;
    this.#items = [];
    this.#head = 0;
    this.#live = 0;
  }
}
