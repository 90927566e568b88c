// Raw-socket HTTP/1.1 client pieces shared by the load generators (open-loop.mjs, closed-loop.mjs):
// keep-alive connections with one request in flight, Content-Length framed
// responses. Much lighter per request than a general HTTP client, so one core of load generator can
// outrun a bare node:http server on the other core. Bodies are handed over as bytes (Buffers support
// includes() as strings do): decoding every answer to a string only to search it made garbage the
// generator then collected in pauses, during which the server under test sat idle.
import { connect } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection with at most one request in flight; reads Content-Length framed responses. */
export class Conn {
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
      const framed = /\r\ntransfer-encoding:\s*chunked/i.test(head)
        ? chunkedBody(this.buf, end + 4)
        : contentLengthBody(this.buf, end + 4, Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0));
      if (!framed) return;
      const status = Number(head.slice(9, 12));
      this.buf = this.buf.subarray(framed.next);
      const job = this.job;
      this.busy = false;
      this.job = undefined;
      this.onResponse(this, job, status, framed.body);
    }
  }
}

function contentLengthBody(buf, start, len) {
  return buf.length < start + len ? undefined : { body: buf.subarray(start, start + len), next: start + len };
}

// Transfer-Encoding: chunked (frameworks such as Express answer that way): the body, and where the
// next response starts, once the last chunk and the blank line after it are in.
function chunkedBody(buf, start) {
  const parts = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) {
      const last = buf.indexOf(HEAD_END, eol);
      return last < 0 ? undefined : { body: Buffer.concat(parts), next: last + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Sends every request of `pool` (a RequestPool) to `port` over `connections` keep-alive connections,
 * one request in flight on each; throws if any was not answered 200. With `spin` (for a generator on
 * a core of its own) the event loop never sleeps meanwhile, so the server is not charged for waking it
 * (see closed-loop.mjs).
 */
export async function sendAll(port, pool, connections, { spin = false } = {}) {
  let next = 0;
  let failed = 0;
  let spinning = spin;
  const turn = () => {
    if (spinning) setImmediate(turn);
  };
  turn();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const conn = new Conn(port, (_c, job, status) => {
        if (status !== 200) failed++;
        job.resolve();
      });
      await conn.ready;
      while (next < pool.length) {
        const n = next++;
        await new Promise((resolve) => conn.send(pool.bytes(n), { resolve }));
      }
      conn.socket.end();
    }),
  ).finally(() => {
    spinning = false;
  });
  if (failed) throw new Error(`${failed} requests were not answered 200`);
}

/** The p-th percentile (0..100) of sorted samples, nearest rank, in ms rounded to 0.01. */
export function percentile(sorted, p) {
  const n = sorted.length;
  return n === 0 ? NaN : +sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))].toFixed(2);
}
