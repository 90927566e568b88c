/**
 * A fake clock for in-process tests of sessions and TTLs: while a turn runs, `Date.now()` and
 * `new Date()` read the clock instead of the system time, and `[wait 25h]` moves it on in no time.
 * Only time read through Date is faked; timers (setTimeout) still run on real time.
 */

const RealDate = Date;
let installed: FakeClock | undefined;
let depth = 0;

function fakeDateClass(clock: FakeClock): DateConstructor {
  class FakeDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(clock.now());
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return clock.now();
    }
  }
  return FakeDate as DateConstructor;
}

export class FakeClock {
  #now: number;

  constructor(start: number | Date = RealDate.now()) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock forward; it never goes back. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`the clock only moves forward, got ${ms} ms`);
    this.#now += ms;
  }

  /**
   * Runs `fn` with Date reading this clock, and puts the real Date back afterwards. Calls may
   * nest or overlap for the same clock; two different fake clocks cannot run at once.
   */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    if (installed && installed !== this) throw new Error('another fake clock is already running in this process');
    if (depth++ === 0) {
      installed = this;
      globalThis.Date = fakeDateClass(this);
    }
    try {
      return await fn();
    } finally {
      if (--depth === 0) {
        installed = undefined;
        globalThis.Date = RealDate;
      }
    }
  }
}
