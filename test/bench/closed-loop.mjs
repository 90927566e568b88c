// Closed-loop load (saturation): every connection sends its next request the moment the previous
// answer arrives, so the server always has `connections` requests to work on. Raw sockets with
// pre-built request bytes (requests.mjs): on one core this generator outruns a bare node:http
// server on the other, which autocannon (about 40 µs of its own CPU per request) does not, and a
// generator-bound bare figure would make every ratio to it look better than it is.
//
// With `spin` (the bench sets it when the generator has a core of its own) the generator never
// sleeps: its event loop turns over and over (setImmediate), polling its sockets. A sleeping
// generator has to be woken for every answer that finds it idle, and the waker pays: the server's
// write() sends the wake-up (an inter-processor interrupt, a VM exit on this machine) and is
// charged for it. The slower the server, the more often the generator is idle when an answer
// comes, so each of its requests costs it more kernel time than the bare server's did (measured:
// createHandler 10.7 µs sys per request against bare's 4.0, falling to 4.5 once the generator
// spins; bare's own does not move). A spinning generator costs only its own core and lets every
// server pay for its work alone. `idle` tells how many loop turns found nothing to do: near 0, the
// generator itself was the bottleneck.
import { Conn, percentile } from './http-conn.mjs';

/**
 * Keep-alive connections to 127.0.0.1:port that load it in closed loop for as many stretches
 * (`run(seconds)`) as asked, taking requests (a RequestPool) from `pool` in order from `start`
 * across all of them; between stretches the connections stay open and idle, so two servers can be
 * measured in turns of a fraction of a second each. With `wrap: false` a stretch stops early rather
 * than re-send a request (a re-sent MsgId would be answered from the dedupe store); `exhausted` then
 * says so, and rps is over the time it ran. `onResponse(index, status, body)` sees every answer (its
 * body as a Buffer, valid only during the call: copy what you keep) with the pool index of its request.
 */
export class ClosedLoad {
  #lat = new Float64Array(1 << 16);
  #conns = [];
  #o;
  next;
  /** Totals over every run(): answers, non-200s, answers without `expect`, seconds loaded. */
  done = 0;
  errors = 0;
  mismatches = 0;
  elapsed = 0;
  exhausted = false;
  #turns = 0;
  #idleTurns = 0;

  constructor({ port, pool, connections = 50, expect, start = 0, onResponse, wrap = true, spin = false }) {
    this.#o = { port, pool, connections, expect, onResponse, wrap, spin };
    this.next = start;
    this.start = start;
  }

  async open() {
    const { port, connections } = this.#o;
    // Answers are routed to the stretch in progress (there is none between stretches).
    for (let k = 0; k < connections; k++)
      this.#conns.push(new Conn(port, (c, job, status, body) => this.#answered(c, job, status, body)));
    await Promise.all(this.#conns.map((c) => c.ready));
    return this;
  }

  #stopping = true;
  #inFlight = 0;
  #finish = () => {};

  #send(c) {
    const { pool, wrap } = this.#o;
    if (!wrap && this.next >= pool.length) {
      this.exhausted = this.#stopping = true;
      if (this.#inFlight === 0) this.#finish();
      return;
    }
    const n = this.next++ % pool.length;
    this.#inFlight++;
    c.send(pool.bytes(n), { n, sentAt: 0 });
  }

  #answered(c, job, status, body) {
    this.#inFlight--;
    const ms = performance.now() - job.sentAt;
    if (this.done === this.#lat.length) {
      const grown = new Float64Array(this.#lat.length * 2);
      grown.set(this.#lat);
      this.#lat = grown;
    }
    this.#lat[this.done++] = ms;
    if (status !== 200) this.errors++;
    else if (this.#o.expect && !body.includes(this.#o.expect)) this.mismatches++;
    this.#o.onResponse?.(job.n, status, body);
    if (!this.#stopping) this.#send(c);
    else if (this.#inFlight === 0) this.#finish();
  }

  /** Loads the server for `seconds` (every connection busy), then lets the last answers arrive. Resolves with this stretch's answers. */
  async run(seconds) {
    const before = this.done;
    this.#stopping = false;
    const finished = new Promise((r) => (this.#finish = r));
    let spinning = this.#o.spin;
    let seen = this.done;
    const turn = () => {
      if (!spinning) return;
      this.#turns++;
      if (this.done === seen) this.#idleTurns++;
      seen = this.done;
      setImmediate(turn);
    };
    const t0 = performance.now();
    for (const c of this.#conns) this.#send(c);
    turn();
    const timer = setTimeout(() => {
      this.#stopping = true;
      if (this.#inFlight === 0) this.#finish();
    }, seconds * 1000);
    await finished;
    spinning = false;
    clearTimeout(timer);
    this.elapsed += (performance.now() - t0) / 1000;
    return this.done - before;
  }

  /** Forgets the figures so far (a warm-up's); the next request is still the one after the last sent. */
  reset() {
    this.done = this.errors = this.mismatches = this.elapsed = this.#turns = this.#idleTurns = 0;
    this.start = this.next;
  }

  close() {
    for (const c of this.#conns) c.socket.destroy();
  }

  /** Totals over every stretch, in closedLoop's shape. */
  summary() {
    const done = this.done;
    const sorted = this.#lat.subarray(0, done).sort();
    return {
      requests: done,
      rps: Math.round(done / this.elapsed),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: done ? +sorted[done - 1].toFixed(2) : NaN,
      errors: this.errors,
      mismatches: this.mismatches,
      next: this.next,
      wrapped: this.next - this.start > this.#o.pool.length,
      exhausted: this.exhausted,
      idle: this.#o.spin && this.#turns > 0 ? +(this.#idleTurns / this.#turns).toFixed(2) : undefined,
    };
  }
}

/**
 * Loads 127.0.0.1:port for `seconds` over `connections` fresh keep-alive connections (ClosedLoad,
 * one stretch). Resolves with { requests, rps, p50, p99, p999, max (ms), errors (non-200), mismatches
 * (answers without `expect`), next, wrapped, exhausted, idle (with `spin`: share of loop turns that
 * found no answer) }.
 */
export async function closedLoop({ seconds, ...opts }) {
  const load = await new ClosedLoad(opts).open();
  try {
    await load.run(seconds);
  } finally {
    load.close();
  }
  return load.summary();
}
