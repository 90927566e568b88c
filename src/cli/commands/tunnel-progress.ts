/** A one-line spinner on stderr while something slow happens; on a non-TTY only the outcome lines are written. */
export interface Progress {
  start(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }): Progress {
  const tty = stream.isTTY === true;
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const clear = () => {
    if (timer) {
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\x1b[K');
    }
  };
  return {
    start(text) {
      clear();
      if (!tty) return;
      let i = 0;
      started = Date.now();
      const draw = () => {
        const secs = Math.floor((Date.now() - started) / 1000);
        stream.write(`\r\x1b[K${FRAMES[i++ % FRAMES.length]} ${text}${secs >= 2 ? ` (${secs}s)` : ''}`);
      };
      draw();
      timer = setInterval(draw, 80);
      // The spinner alone must not keep the process alive.
      timer.unref();
    },
    succeed(text) {
      clear();
      stream.write(`✓ ${text}\n`);
    },
    fail(text) {
      clear();
      stream.write(`✗ ${text}\n`);
    },
    stop: clear,
  };
}
