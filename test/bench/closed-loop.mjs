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
 * Loads 127.0.0.1:port for `seconds` over `connections` keep-alive connections, taking requests (a RequestPool)
 * from `pool` in order from `start`. With `wrap: false` it stops early rather than re-send a request
 * (a re-sent MsgId would be answered from the dedupe store); `exhausted` then says so, and rps is over
 * the time it ran. `onResponse(index, status, body)` sees every answer (its body as a Buffer, valid
 * only during the call: copy what you keep) with the pool index of its request. Resolves with { requests, rps, p50, p99, p999, max (ms), errors (non-200), mismatches
 * (answers without `expect`), next, wrapped, exhausted, idle (with `spin`: share of loop turns that
 * found no answer) }.
 */
export async function closedLoop({ port, pool, seconds, connections = 50, expect, start = 0, onResponse, wrap = true, spin = false }) {
  let lat = new Float64Array(1 << 16);
  let done = 0;
  let errors = 0;
  let mismatches = 0;
  let next = start;
  let stopping = false;
  let inFlight = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  let exhausted = false;
  const send = (c) => {
    if (!wrap && next >= pool.length) {
      exhausted = stopping = true;
      if (inFlight === 0) finish();
      return;
    }
    const n = next++ % pool.length;
    inFlight++;
    c.send(pool.bytes(n), { n, sentAt: 0 });
  };
  const answered = (c, job, status, body) => {
    inFlight--;
    const ms = performance.now() - job.sentAt;
    if (done === lat.length) {
      const grown = new Float64Array(lat.length * 2);
      grown.set(lat);
      lat = grown;
    }
    lat[done++] = ms;
    if (status !== 200) errors++;
    else if (expect && !body.includes(expect)) mismatches++;
    onResponse?.(job.n, status, body);
    if (!stopping) send(c);
    else if (inFlight === 0) finish();
  };
  const conns = [];
  for (let k = 0; k < connections; k++) conns.push(new Conn(port, answered));
  await Promise.all(conns.map((c) => c.ready));
  let turns = 0;
  let idleTurns = 0;
  let seen = 0;
  let spinning = spin;
  const turn = () => {
    if (!spinning) return;
    turns++;
    if (done === seen) idleTurns++;
    seen = done;
    setImmediate(turn);
  };
  const t0 = performance.now();
  for (const c of conns) send(c);
  turn();
  const timer = setTimeout(() => {
    stopping = true;
    if (inFlight === 0) finish();
  }, seconds * 1000);
  await finished;
  spinning = false;
  clearTimeout(timer);
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of conns) c.socket.destroy();
  const sorted = lat.subarray(0, done).sort();
  return {
    requests: done, rps: Math.round(done / elapsed),
    p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: done ? +sorted[done - 1].toFixed(2) : NaN,
    errors, mismatches, next, wrapped: next - start > pool.length, exhausted,
    idle: spin && turns > 0 ? +(idleTurns / turns).toFixed(2) : undefined,
  };
}
