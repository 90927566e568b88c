// Open-loop load at a fixed rate, for latency at a moderate load (autocannon's rate limit sends each
// connection's share in bursts). Requests fall due at evenly spaced times and go out on keep-alive
// connections taken round-robin. Latency counts from when the generator released a request (its
// timer tick), so waiting for a free connection is included; the figure from the exact due time is
// reported as well (it also holds the generator's own timer slack, up to ~1 ms, and any of its stalls:
// no coordinated omission).
// Raw sockets with pre-built request bytes keep the generator's own CPU and jitter small.

import { Conn, percentile } from './http-conn.mjs';

export { percentile };

/**
 * Sends `rate` requests per second for `seconds` to 127.0.0.1:port over `connections` keep-alive
 * connections, taking requests from `pool` (a RequestPool) in order (from index `start`). Resolves with
 * latency percentiles in ms: p50/p90/p99/p999/max from each request's release, dueP50/dueP99/dueP999 from its
 * due time, and the sorted samples; with `timeline`, also each request's release time (epoch ms) and latency in order.
 */
export async function openLoop({ port, pool, rate, seconds, connections = 50, expect, start = 0, timeline = false }) {
  const total = Math.round(rate * seconds);
  const lat = new Float64Array(total);
  const fromDue = new Float64Array(total);
  const releasedAt = timeline ? new Float64Array(total) : undefined;
  let next = start;
  let done = 0;
  let errors = 0;
  let mismatches = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const queue = [];
  let rr = 0;
  const conns = [];

  const dispatch = () => {
    while (queue.length > 0) {
      // Round-robin over idle connections so every one of them carries its share.
      let c;
      for (let k = 0; k < conns.length && !c; k++) {
        const cand = conns[(rr + k) % conns.length];
        if (!cand.busy) {
          c = cand;
          rr = (rr + k + 1) % conns.length;
        }
      }
      if (!c) return;
      const job = queue.shift();
      c.send(pool.bytes(next++ % pool.length), job);
    }
  };
  const onResponse = (_c, job, status, body) => {
    if (job.i >= 0) {
      const now = performance.now();
      lat[job.i] = now - job.releasedAt;
      if (releasedAt) releasedAt[job.i] = performance.timeOrigin + job.releasedAt;
      fromDue[job.i] = now - job.dueAt;
      if (status !== 200) errors++;
      else if (expect && !body.includes(expect)) mismatches++;
      if (++done === total) finish();
    } else if (--job.warm === 0) job.resolve();
    dispatch();
  };
  for (let k = 0; k < connections; k++) conns.push(new Conn(port, onResponse));
  await Promise.all(conns.map((c) => c.ready));
  // One request on every connection first, outside the measurement.
  await new Promise((resolve) => {
    const warm = { i: -1, warm: connections, resolve };
    for (const c of conns) c.send(pool.bytes(next++ % pool.length), warm);
  });

  const interval = 1000 / rate;
  const t0 = performance.now();
  let due = 0;
  const tick = () => {
    const now = performance.now();
    while (due < total && t0 + due * interval <= now) {
      queue.push({ i: due, dueAt: t0 + due * interval, releasedAt: now, sentAt: 0 });
      due++;
    }
    dispatch();
    if (due < total) setTimeout(tick, Math.max(0, t0 + due * interval - performance.now()));
  };
  tick();
  await finished;
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of conns) c.socket.destroy();
  // Per request, in order: when it was released (epoch ms) and its latency, to line up with server-side events.
  const line = releasedAt ? { releasedAt, latency: lat.slice() } : undefined;
  lat.sort();
  fromDue.sort();
  return {
    sent: total,
    rate: Math.round(total / elapsed),
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99: percentile(lat, 99),
    p999: percentile(lat, 99.9),
    max: +lat[total - 1].toFixed(2),
    dueP50: percentile(fromDue, 50),
    dueP99: percentile(fromDue, 99),
    dueP999: percentile(fromDue, 99.9),
    errors,
    mismatches,
    next,
    /** Every latency from release, sorted (ms): lets a caller pool several runs. */
    samples: lat,
    timeline: line,
  };
}
