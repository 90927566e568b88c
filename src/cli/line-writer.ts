import { createWriteStream } from 'node:fs';

/** Above this many bytes waiting for a slow reader, lines are dropped (and counted) rather than kept. */
const MAX_PENDING = 4 * 1024 * 1024;
/** How long the first line of a batch waits for others. */
const BATCH_MS = 5;

/**
 * Request-log output: lines are batched into one write per event-loop turn, and a slow reader
 * never stalls request handling. (Node writes to pipes and files synchronously; a log shipper that
 * stops reading would otherwise freeze the server.) Under sustained overload lines are dropped, and
 * the next write says how many.
 */
export class LineWriter {
  readonly #out: NodeJS.WritableStream;
  #buf: string[] = [];
  #bytes = 0;
  #dropped = 0;
  #scheduled = false;
  #blocked = false;
  readonly #flushBound = () => this.flush();

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  /** Standard output as an asynchronous stream when it is a pipe or a file; the TTY as is. */
  static forStdout(stdout: NodeJS.WritableStream & { isTTY?: boolean; fd?: number }): LineWriter {
    if (stdout !== process.stdout || stdout.isTTY) return new LineWriter(stdout);
    return new LineWriter(createWriteStream('/dev/stdout', { fd: 1, autoClose: false }));
  }

  line(s: string): void {
    if (this.#bytes > MAX_PENDING) {
      this.#dropped++;
      return;
    }
    this.#buf.push(s);
    this.#bytes += s.length + 1;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // A few ms of batching: under load one write carries many lines (each write is a syscall
      // on the thread pool plus a callback), and a person never sees the difference.
      setTimeout(this.#flushBound, BATCH_MS);
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#blocked || this.#buf.length === 0) return;
    if (this.#dropped > 0) {
      this.#buf.unshift(`(log: ${this.#dropped} lines dropped, the output was not read fast enough)`);
      this.#dropped = 0;
    }
    const text = `${this.#buf.join('\n')}\n`;
    this.#buf = [];
    this.#bytes = 0;
    if (!this.#out.write(text)) {
      this.#blocked = true;
      this.#out.once('drain', () => {
        this.#blocked = false;
        this.flush();
      });
    }
  }

  /** Writes what is left and waits until it has been handed to the OS. */
  async close(): Promise<void> {
    this.flush();
    if (this.#out === process.stdout || this.#out === process.stderr) return;
    await new Promise<void>((resolve) => {
      if (this.#blocked) this.#out.once('drain', () => this.#out.end(resolve));
      else this.#out.end(resolve);
    });
  }
}
