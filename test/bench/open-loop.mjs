// Open-loop load at a fixed rate, for latency at a moderate load (autocannon's rate limit sends each
// connection's share in bursts). Requests fall due at evenly spaced times and go out on keep-alive
// connections taken round-robin. Latency counts from when the generator released a request (its
// timer tick), so waiting for a free connection is included; the figure from the exact due time is
// reported as well (it also holds the generator's own timer slack, up to ~1 ms, and any of its stalls:
// no coordinated omission).
// Raw sockets with pre-built request bytes keep the generator's own CPU and jitter small.
import { connect } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection with at most one request in flight; reads Content-Length framed responses. */
class Conn {
  constructor(port, onResponse) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.busy = false;
    this.onResponse = onResponse;
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk) => this.#read(chunk));
    this.socket.on('error', () => undefined);
  }

  send(bytes, job) {
    this.busy = true;
    this.job = job;
    this.job.sentAt = performance.now();
    this.socket.write(bytes);
  }

  #read(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const end = this.buf.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString('latin1');
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buf.length < end + 4 + len) return;
      const status = Number(head.slice(9, 12));
      const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(end + 4 + len);
      const job = this.job;
      this.busy = false;
      this.job = undefined;
      this.onResponse(this, job, status, body);
    }
  }
}

const bytesOf = (r, port) => Buffer.from(
  `POST ${r.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`,
);

/**
 * Sends `rate` requests per second for `seconds` to 127.0.0.1:port over `connections` keep-alive
 * connections, taking { path, body } from `pool` in order (from index `start`). Resolves with
 * latency percentiles in ms: p50/p90/p99/max from each request's release, dueP50/dueP99 from its due time.
 */
export async function openLoop({ port, pool, rate, seconds, connections = 50, expect, start = 0 }) {
  const total = Math.round(rate * seconds);
  const lat = new Float64Array(total);
  const fromDue = new Float64Array(total);
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
      c.send(bytesOf(pool[next++ % pool.length], port), job);
    }
  };
  const onResponse = (c, job, status, body) => {
    if (job.i >= 0) {
      const now = performance.now();
      lat[job.i] = now - job.releasedAt;
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
    for (const c of conns) c.send(bytesOf(pool[next++ % pool.length], port), warm);
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
  lat.sort();
  fromDue.sort();
  const pct = (a, p) => +a[Math.min(total - 1, Math.ceil((p / 100) * total) - 1)].toFixed(2);
  return {
    sent: total, rate: Math.round(total / elapsed),
    p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: +lat[total - 1].toFixed(2),
    dueP50: pct(fromDue, 50), dueP99: pct(fromDue, 99),
    errors, mismatches, next,
  };
}
