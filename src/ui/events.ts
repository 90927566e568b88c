/**
 * Server-sent events to the open pages. A page that reads slower than events come (a busy tab,
 * a tunnel flooding the inspector) never holds anything up: once its socket has more than
 * `maxBuffered` bytes waiting, its events are dropped and counted, and it is told how many it
 * missed when it catches up (the page then reloads the list).
 */
import type { ServerResponse } from 'node:http';
import type { UiEvent } from './wire.js';

interface Client {
  res: ServerResponse;
  missed: number;
}

export interface EventHubOptions {
  /** Bytes waiting on one page's socket above which its events are dropped. Default 256 KiB. */
  maxBuffered?: number;
  /** A comment line this often keeps proxies and the browser from timing the stream out. Default 15 s. */
  heartbeatMs?: number;
  /** Told when the first page connects (true) and the last one leaves (false). */
  onWatched?: (watched: boolean) => void;
}

export class EventHub {
  /** Events not sent to some page because it was too slow, over the whole run. */
  dropped = 0;
  readonly #clients = new Set<Client>();
  readonly #maxBuffered: number;
  readonly #onWatched: ((watched: boolean) => void) | undefined;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(o: EventHubOptions = {}) {
    this.#maxBuffered = o.maxBuffered ?? 256 * 1024;
    this.#onWatched = o.onWatched;
    // The heartbeat also tells a page that caught up since it last missed events.
    this.#heartbeat = setInterval(
      () => this.#each((c) => this.#catchUp(c) || c.res.write(':\n\n')),
      o.heartbeatMs ?? 15_000,
    );
    this.#heartbeat.unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Turns a GET into an event stream until the page goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const client: Client = { res, missed: 0 };
    this.#clients.add(client);
    if (this.#clients.size === 1) this.#onWatched?.(true);
    res.once('close', () => {
      this.#clients.delete(client);
      if (this.#clients.size === 0) this.#onWatched?.(false);
    });
  }

  publish(event: UiEvent): void {
    if (this.#clients.size === 0) return;
    // Serialised once, whatever the number of pages.
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    this.#each((c) => {
      if (c.res.writableLength > this.#maxBuffered) {
        c.missed++;
        this.dropped++;
        return;
      }
      this.#catchUp(c);
      c.res.write(frame);
    });
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#each((c) => c.res.end());
    this.#clients.clear();
  }

  /** Tells a page how many events it missed, once its socket has room again. */
  #catchUp(c: Client): boolean {
    if (c.missed === 0 || c.res.writableLength > this.#maxBuffered) return false;
    c.res.write(`data: ${JSON.stringify({ type: 'dropped', count: c.missed } satisfies UiEvent)}\n\n`);
    c.missed = 0;
    return true;
  }

  #each(f: (c: Client) => void): void {
    for (const c of this.#clients) {
      if (c.res.destroyed) continue;
      f(c);
    }
  }
}
