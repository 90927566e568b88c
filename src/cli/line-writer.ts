/**
 * Batches log lines into one write per event-loop turn. Writes to a pipe or file are synchronous
 * in Node, so one write per request would cost a system call on the request path under load.
 */
export class LineWriter {
  readonly #out: NodeJS.WritableStream;
  #buf: string[] = [];
  #scheduled = false;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  line(s: string): void {
    this.#buf.push(s);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#buf.length === 0) return;
    const text = `${this.#buf.join('\n')}\n`;
    this.#buf = [];
    this.#out.write(text);
  }
}
