import { fstatSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { writeUtf8Native } from '../protocol/utf8.js';

/** Above this many bytes waiting for a slow reader, lines are dropped (and counted) rather than kept. */
const MAX_PENDING = 4 * 1024 * 1024;
/** How long the first line of a batch waits for others. */
const BATCH_MS = 5;
const BLOCK = 64 * 1024;

/**
 * Request-log output: lines are batched into one write per few ms, and a slow reader never stalls
 * request handling: what it has not read yet waits in the stream, up to MAX_PENDING bytes, then
 * lines are dropped and the next write says how many. Each line is encoded into a block of bytes as
 * it comes, so a batch keeps no strings alive and the flush has nothing to join.
 */
export class LineWriter {
  readonly #out: NodeJS.WritableStream;
  /** Blocks filled and waiting for the next flush. */
  #full: Buffer[] = [];
  #block: Buffer | undefined;
  #used = 0;
  /** Bytes accepted and not yet handed back by the stream. */
  #pending = 0;
  #dropped = 0;
  #scheduled = false;
  #blocked = false;
  #spare: Buffer[] = [];
  readonly #flushBound = () => this.flush();
  /** Set by close() waiting on process.stdout: called once nothing is pending or the log failed. */
  #idle: (() => void) | undefined;

  #failed = false;

  constructor(out: NodeJS.WritableStream, onError?: (err: Error) => void) {
    this.#out = out;
    // A log that cannot be written (the reader went away, the disk is full) stops the log, not the server.
    out.on('error', (err: Error) => {
      if (this.#failed) return;
      this.#failed = true;
      onError?.(err);
      this.#idle?.();
    });
  }

  /**
   * Standard output for the request log: a regular file written synchronously (a file never waits
   * for a reader, and the page cache takes a batch in microseconds, where the thread pool's round
   * trip per batch costs more than the write); anything else (a terminal, a pipe to a log shipper,
   * journald's socket) through process.stdout, whose writes to a pipe or socket wait for the reader
   * in the event loop without blocking it. (A second stream on fd 1 cannot: process.stdout has made
   * the descriptor non-blocking, so a full pipe fails its writes with EAGAIN.)
   */
  static forStdout(
    stdout: NodeJS.WritableStream & { isTTY?: boolean; fd?: number },
    onError?: (err: Error) => void,
  ): LineWriter {
    if (stdout !== process.stdout || stdout.isTTY) return new LineWriter(stdout, onError);
    let file = false;
    try {
      file = fstatSync(1).isFile();
    } catch {
      // not a file then
    }
    return new LineWriter(file ? syncFileSink(1) : stdout, onError);
  }

  line(s: string): void {
    if (this.#failed) return;
    // Worst case of the UTF-8 form, plus the newline.
    const block = this.#reserve(s.length * 3 + 1);
    if (!block) return;
    const n = writeUtf8Native(block, s, this.#used);
    this.#commit(block, n);
  }

  // Room for `room` bytes at #used in the current block (a fresh one if it lacks it); undefined
  // when a slow reader has left too much pending (the line is dropped and counted).
  #reserve(room: number): Buffer | undefined {
    if (this.#pending + room > MAX_PENDING) {
      this.#dropped++;
      return undefined;
    }
    let block = this.#block;
    if (!block || block.length - this.#used < room) {
      if (block && this.#used > 0) this.#full.push(block.subarray(0, this.#used));
      block = this.#block =
        room > BLOCK ? Buffer.allocUnsafeSlow(room) : (this.#spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK));
      this.#used = 0;
    }
    return block;
  }

  // `n` bytes were written at #used: end the line and schedule the flush.
  #commit(block: Buffer, n: number): void {
    block[this.#used + n] = 10;
    this.#used += n + 1;
    this.#pending += n + 1;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A few ms of batching: under load one write carries many lines (each write is a system
      // call plus a callback), and a person never sees the difference.
      setTimeout(this.#flushBound, BATCH_MS);
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#blocked) return;
    if (this.#block && this.#used > 0) {
      this.#full.push(this.#block.subarray(0, this.#used));
      this.#block = undefined;
      this.#used = 0;
    }
    if (this.#full.length === 0) return;
    if (this.#dropped > 0) {
      this.#out.write(`(log: ${this.#dropped} lines dropped, the output was not read fast enough)\n`);
      this.#dropped = 0;
    }
    const batch = this.#full;
    this.#full = [];
    let ok = true;
    for (const chunk of batch) ok = this.#out.write(chunk, () => this.#written(chunk)) && ok;
    if (!ok) {
      this.#blocked = true;
      this.#out.once('drain', () => {
        this.#blocked = false;
        this.flush();
      });
    }
  }

  // The stream is done with a chunk: its bytes no longer count as pending, and a whole block is reused.
  #written(chunk: Buffer): void {
    this.#pending -= chunk.length;
    if (this.#pending === 0) this.#idle?.();
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === BLOCK && this.#spare.length < 4) {
      this.#spare.push(Buffer.from(chunk.buffer, 0, BLOCK));
    }
  }

  /**
   * Writes what is left and waits until it has been handed to the OS: at most `waitMs` for a reader
   * that is not reading, so a stuck log shipper does not hold the exit.
   */
  async close(waitMs = 2000): Promise<void> {
    this.flush();
    const out = this.#out;
    if (out === process.stdout || out === process.stderr) {
      // Not ended (the process still writes to it): waits for the lines queued for a pipe.
      if (this.#failed || this.#pending === 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      return;
    }
    await new Promise<void>((resolve) => {
      if (this.#blocked) out.once('drain', () => out.end(resolve));
      else out.end(resolve);
    });
  }
}

/** A stream over a file descriptor of a regular file, each chunk written before write() returns. */
function syncFileSink(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
