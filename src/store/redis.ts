/**
 * The Redis store: shared by every `wxbot serve` replica so retry dedupe, the access_token and
 * sessions agree across the fleet. ioredis is imported here only, on demand (see open.ts).
 */
import type { Redis } from 'ioredis';
import { StoreError, maskRedisUrl } from './errors.js';
import { parseRedisUrl } from './redis-url.js';
import type { Store } from './store.js';

export interface RedisStoreOptions {
  /** Per connection attempt (TCP + handshake). Default 3 s. */
  connectTimeoutMs?: number;
  /** Reconnect attempts before the first connection is given up. Default 2 (so start-up fails within ~10 s). */
  connectRetries?: number;
  /** A command that takes longer fails instead of holding a request past WeChat's 5 s. Default 2 s. */
  commandTimeoutMs?: number;
  /** Told about connection problems after start-up (the client keeps reconnecting on its own). */
  onError?: (err: StoreError) => void;
}

export class RedisStore implements Store {
  readonly #client: Redis;
  readonly #url: string;
  readonly #password: string;
  #closed = false;

  private constructor(client: Redis, url: string, password: string) {
    this.#client = client;
    this.#url = url;
    this.#password = password;
  }

  /** Connects (bounded: timeout × retries) or throws StoreError('STORE_CONNECT') with the URL masked. */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const { url: parsed, db } = parseRedisUrl(url);
    const masked = maskRedisUrl(url);
    const password = decodeURIComponent(parsed.password);
    const connectRetries = options.connectRetries ?? 2;
    const { Redis } = await import('ioredis');
    let ready = false;
    let lastError: Error | undefined;
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 3_000,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      // While the connection is down (reconnecting in the background) a command fails at once rather
      // than waiting in a queue for its timeout: a message makes several store calls, and each would
      // otherwise spend the whole timeout, past WeChat's 5 s. Callers fail open (dedupe, sessions).
      enableOfflineQueue: false,
      // A command in flight when the connection drops fails after one reconnect attempt (or its timeout).
      maxRetriesPerRequest: 1,
      // Before the first success give up after a few tries; afterwards keep reconnecting with a capped backoff.
      retryStrategy: (times) => (!ready && times > connectRetries ? null : Math.min(100 * 2 ** times, 2_000)),
    });
    const scrub = (msg: string) => (password ? msg.split(password).join('***') : msg);
    // An unhandled 'error' event would crash the process: every one is caught here.
    client.on('error', (err: Error) => {
      lastError = err;
      if (ready) options.onError?.(new StoreError('STORE_UNAVAILABLE', `Redis ${masked}: ${scrub(err.message)}`));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve);
        client.once('end', () => reject(lastError ?? new Error('connection closed')));
        client.connect().catch(() => {
          /* 'ready' or 'end' decides */
        });
      });
    } catch (err) {
      client.disconnect();
      const msg = scrub((err as Error).message);
      throw new StoreError('STORE_CONNECT', `cannot connect to Redis at ${masked}: ${msg}`, { cause: err });
    }
    if (db !== 0) {
      // ioredis reports a refused SELECT as an 'error' event and carries on in database 0, where
      // every replica on a different database would then share keys: ask once, and refuse to start.
      try {
        await client.select(db);
      } catch (err) {
        client.disconnect();
        throw new StoreError(
          'STORE_BAD_URL',
          `the Redis server at ${masked} has no database ${db} (${scrub((err as Error).message)}); use one it has, such as /0`,
          { cause: err },
        );
      }
    }
    ready = true;
    return new RedisStore(client, masked, password);
  }

  /**
   * Every command goes through here: it fails at once while there is no connection, and a timed-out
   * one drops the connection, so one store call per message waits out the timeout, not each of them.
   */
  async #run<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'the Redis store is closed');
    if (this.#client.status !== 'ready') throw this.#noConnection();
    try {
      return await op();
    } catch (err) {
      const raw = (err as Error).message;
      if (raw === 'Command timed out' && this.#client.status === 'ready') {
        // The socket looks open but the server does not answer (hung, or a network that dropped
        // without closing it): close it and reconnect, failing the next calls at once meanwhile.
        this.#client.stream.destroy();
      }
      // ioredis's words for a command issued on a connection that is closing.
      if (raw.startsWith("Stream isn't writeable")) throw this.#noConnection(err);
      const msg = this.#password ? raw.split(this.#password).join('***') : raw;
      throw new StoreError('STORE_UNAVAILABLE', `Redis ${this.#url}: ${msg}`, { cause: err });
    }
  }

  #noConnection(cause?: unknown): StoreError {
    return new StoreError(
      'STORE_UNAVAILABLE',
      `Redis ${this.#url}: no connection; the client reconnects on its own once the server answers again`,
      { cause },
    );
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.#run(() => this.#client.get(key));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const px = ttl(ttlMs);
    await this.#run(() => this.#client.set(key, value, 'PX', px));
  }

  /** SET NX PX: one atomic command, so exactly one replica wins a claim. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = ttl(ttlMs);
    const r = await this.#run(() => this.#client.set(key, value, 'PX', px, 'NX'));
    return r === 'OK';
  }

  /** Compare and extend in one script: a claim another replica took over is never extended. */
  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = ttl(ttlMs);
    const r = await this.#run(() => this.#client.eval(RENEW, 1, key, value, px));
    return r === 1;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const px = ttl(ttlMs);
    return Number(await this.#run(() => this.#client.eval(INCREMENT, 1, key, px)));
  }

  /** GET and DEL in one script (GETDEL needs Redis 6.2). */
  async take(key: string): Promise<string | undefined> {
    const v = await this.#run(() => this.#client.eval(TAKE, 1, key));
    return typeof v === 'string' ? v : undefined;
  }

  /** Compare and write in one script: a session update made by another replica meanwhile is not overwritten. */
  async compareAndSet(key: string, expected: string | undefined, value: string, ttlMs: number): Promise<boolean> {
    const px = ttl(ttlMs);
    const absent = expected === undefined ? '1' : '0';
    const r = await this.#run(() => this.#client.eval(COMPARE_AND_SET, 1, key, absent, expected ?? '', value, px));
    return r === 1;
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.#client.del(key));
  }

  /** For health checks: true when Redis answers PING now. */
  async ping(): Promise<boolean> {
    try {
      return (await this.#run(() => this.#client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // QUIT lets pending replies arrive; a dead server must not hold up shutdown, so it is bounded.
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)));
    try {
      await Promise.race([this.#client.quit(), bounded]);
    } catch {
      // disconnect below
    } finally {
      clearTimeout(timer);
      this.#client.disconnect();
    }
  }
}

const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
const INCREMENT =
  "local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end return n";
// ARGV: 1 when the key must be absent, else the value it must hold; the new value; its TTL.
const COMPARE_AND_SET =
  "local cur = redis.call('get', KEYS[1]) " +
  "if ARGV[1] == '1' then if cur then return 0 end elseif cur ~= ARGV[2] then return 0 end " +
  "redis.call('set', KEYS[1], ARGV[3], 'PX', ARGV[4]) return 1";
const TAKE = "local v = redis.call('get', KEYS[1]) if v then redis.call('del', KEYS[1]) end return v";

// Redis rejects PX 0 and fractions; every key must expire.
function ttl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}
