/**
 * Media ids for replies made from local files, URLs or buffers (`ctx.replyImage({ file })`).
 * A file is uploaded once as temporary media and its media_id kept in the store under its content
 * hash and type, until safely before WeChat forgets it (3 days). Concurrent first uses upload once:
 * in a process they share one promise, across replicas a store lock (Redis) lets one upload while
 * the others wait for the id it stores.
 *
 * Without an account (local development, no AppSecret) nothing is uploaded: the file gets a local
 * placeholder media_id (`LOCAL_<type>_<hash>`) that `resolveLocalMedia` turns back into its bytes,
 * so the simulator and the inspector can show it. WeChat would not accept such an id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { unreadableReason } from '../config/errors.js';
import type { Store } from '../store/store.js';
import type { WechatApi } from './client.js';
import { WechatApiError } from './errors.js';
import {
  checkMedia,
  FORMAT_FILES,
  MEDIA_LIMITS,
  sniffFormat,
  type MediaFormat,
  type MediaType,
} from './media-limits.js';
import { isLocalMediaId, LOCAL_MEDIA_ID } from './local-media-id.js';
import { uploadTempMedia } from './media.js';

/** Where a reply's media comes from: exactly one of a file path, an http(s) URL or the bytes. */
export interface MediaSource {
  file?: string;
  url?: string;
  buffer?: Uint8Array;
  /** The name sent with the upload (default: the file's or URL's name). */
  filename?: string;
}

export interface MediaLog {
  level: 'info' | 'warn';
  event: 'media.uploaded' | 'media.placeholder';
  type: MediaType;
  mediaId: string;
  /** The file name or URL (never the bytes). */
  source: string;
  bytes: number;
  ms?: number;
  message: string;
}

export interface MediaReplies {
  /** False in local development: ids are placeholders, nothing reaches WeChat. */
  readonly uploads: boolean;
  /**
   * The media_id for `source` as `type`: cached, uploaded once, or a local placeholder. `signal`
   * (the handler's ctx.signal) stops a URL's download when the reply is no longer wanted.
   */
  mediaIdFor(type: MediaType, source: MediaSource, options?: { signal?: AbortSignal }): Promise<string>;
}

export interface MediaRepliesOptions {
  /** Uploads through this client; absent = local development (placeholders, no upload). */
  api?: WechatApi;
  /** Where media ids are cached and the upload lock lives; share it (Redis) across replicas. Needed with `api`. */
  store?: Store;
  /** Namespaces the keys: `wxbot:<appId>:media:…`. Default: the client's AppID. */
  appId?: string;
  /** How long a media_id is reused. Default 2.5 days (WeChat keeps temporary media 3 days); at most 3 days − 1 h. */
  ttlMs?: number;
  /** How long an upload may hold the lock before another replica may take over. Default 90 s. */
  lockTtlMs?: number;
  /** How long a caller waits for another replica's upload. Default lockTtl + 5 s. */
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  /** For URL sources. Default 10 s. */
  fetchTimeoutMs?: number;
  /** Local development: also write placeholder files here (e.g. `.wxbot/media`), so other processes can resolve them. */
  placeholderDir?: string;
  onLog?: (entry: MediaLog) => void;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const WECHAT_KEEPS_MS = 3 * DAY_MS;
const DEFAULT_TTL_MS = 2.5 * DAY_MS;
const MAX_TTL_MS = WECHAT_KEEPS_MS - 3_600_000;
const URL_MEMO_MS = 10 * 60_000;

/** The content, its hash and format; the bytes are read again only when an upload needs them. */
interface Loaded {
  hash: string;
  format: MediaFormat;
  size: number;
  /** For logs and messages. */
  label: string;
  filename: string;
  file?: string;
  bytes(): Promise<Uint8Array>;
}

/** A placeholder made in this process: what resolveLocalMedia answers. */
interface LocalEntry {
  type: MediaType;
  format: MediaFormat;
  file?: string;
  bytes?: Uint8Array;
}

// Process-wide, so the inspector served by the same `wxbot serve` finds what any bot made.
const LOCAL = new Map<string, LocalEntry>();
const LOCAL_MAX = 500;

const sha = (type: MediaType, b: Uint8Array) => createHash('sha256').update(type).update(b).digest('hex');

class MediaCache implements MediaReplies {
  readonly uploads: boolean;
  readonly #o: MediaRepliesOptions;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #lockTtlMs: number;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #files = new Map<string, { mtimeMs: number; size: number; hash: string; format: MediaFormat }>();
  readonly #urls = new Map<string, { until: number; hash: string; format: MediaFormat; size: number }>();
  readonly #announced = new Set<string>();

  constructor(o: MediaRepliesOptions) {
    if (o.api && !o.store)
      throw new WechatApiError('WECHAT_CONFIG', 'media uploads need a store for the media_id cache');
    this.#o = o;
    this.uploads = o.api !== undefined;
    this.#prefix = `wxbot:${o.appId || o.api?.tokens.appId || 'default'}:media:`;
    this.#ttlMs = Math.min(o.ttlMs ?? DEFAULT_TTL_MS, MAX_TTL_MS);
    this.#lockTtlMs = o.lockTtlMs ?? 90_000;
    this.#waitMs = o.waitTimeoutMs ?? this.#lockTtlMs + 5_000;
    this.#pollMs = o.pollIntervalMs ?? 50;
    this.#now = o.now ?? Date.now;
  }

  async mediaIdFor(type: MediaType, source: MediaSource, options?: { signal?: AbortSignal }): Promise<string> {
    if (!MEDIA_LIMITS[type]) throw new WechatApiError('MEDIA_INVALID', `unknown media type ${JSON.stringify(type)}`);
    const loaded = await this.#load(type, source, options?.signal);
    if (!this.#o.api) return this.#placeholder(type, loaded);
    const key = `${this.#prefix}${type}:${loaded.hash}`;
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#obtain(key, type, loaded).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  async #obtain(key: string, type: MediaType, loaded: Loaded): Promise<string> {
    const store = this.#o.store!;
    const deadline = this.#now() + this.#waitMs;
    const owner = randomUUID();
    const lockKey = `${key}:lock`;
    for (;;) {
      const cached = await store.get(key);
      if (cached) return cached;
      if (await store.setIfAbsent(lockKey, owner, this.#lockTtlMs)) {
        try {
          // Another replica may have stored it between our read and our lock.
          const again = await store.get(key);
          if (again) return again;
          return await this.#upload(key, type, loaded);
        } finally {
          await release(store, lockKey, owner);
        }
      }
      if (this.#now() >= deadline) {
        throw new WechatApiError(
          'MEDIA_BUSY',
          `another replica holds the upload lock for ${loaded.label} and no media_id appeared within ${this.#waitMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  async #upload(key: string, type: MediaType, loaded: Loaded): Promise<string> {
    const started = this.#now();
    const up = await uploadTempMedia(this.#o.api!, type, { bytes: await loaded.bytes(), filename: loaded.filename });
    await this.#o.store!.set(key, up.media_id, this.#ttlMs);
    const ms = this.#now() - started;
    this.#o.onLog?.({
      level: 'info',
      event: 'media.uploaded',
      type,
      mediaId: up.media_id,
      source: loaded.label,
      bytes: loaded.size,
      ms,
      message: `uploaded ${loaded.label} as ${type} media in ${ms} ms; its media_id is reused for ${Math.round(this.#ttlMs / 3_600_000)} h`,
    });
    return up.media_id;
  }

  async #placeholder(type: MediaType, loaded: Loaded): Promise<string> {
    const id = `LOCAL_${type}_${loaded.hash.slice(0, 40)}`;
    if (!LOCAL.has(id)) {
      if (LOCAL.size >= LOCAL_MAX) LOCAL.delete(LOCAL.keys().next().value as string);
      LOCAL.set(id, {
        type,
        format: loaded.format,
        file: loaded.file,
        bytes: loaded.file ? undefined : await loaded.bytes(),
      });
    }
    const dir = this.#o.placeholderDir;
    if (dir && !this.#announced.has(id)) {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${id}.${FORMAT_FILES[loaded.format].ext}`), await loaded.bytes());
    }
    if (!this.#announced.has(id)) {
      this.#announced.add(id);
      this.#o.onLog?.({
        level: 'warn',
        event: 'media.placeholder',
        type,
        mediaId: id,
        source: loaded.label,
        bytes: loaded.size,
        message: `${loaded.label} was not uploaded (no WECHAT_APP_SECRET: local development); the reply carries the placeholder media_id ${id}, which the simulator and the inspector show but WeChat would not accept`,
      });
    }
    return id;
  }

  async #load(type: MediaType, s: MediaSource, signal: AbortSignal | undefined): Promise<Loaded> {
    const given = [s.file !== undefined, s.url !== undefined, s.buffer !== undefined].filter(Boolean).length;
    if (given !== 1) throw new WechatApiError('MEDIA_INVALID', 'give exactly one of file, url or buffer');
    if (s.file !== undefined) return this.#loadFile(type, s.file, s.filename);
    if (s.url !== undefined) return this.#loadUrl(type, s.url, s.filename, signal);
    const bytes = s.buffer!;
    const name = s.filename ?? 'the buffer';
    const format = checkMedia(type, bytes, name);
    return {
      hash: sha(type, bytes),
      format,
      size: bytes.length,
      label: name,
      filename: s.filename ?? 'media',
      bytes: async () => bytes,
    };
  }

  async #loadFile(type: MediaType, file: string, filename?: string): Promise<Loaded> {
    const path = resolve(file);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch (err) {
      throw unreadable(file, path, err as NodeJS.ErrnoException);
    }
    if (!st.isFile()) throw unreadable(file, path, st.isDirectory() ? 'it is a directory' : 'not a regular file');
    const read = () =>
      readFile(path).catch((err: NodeJS.ErrnoException) => {
        throw unreadable(file, path, err);
      });
    const memoKey = `${type}:${path}`;
    let memo = this.#files.get(memoKey);
    // Hashing a 10 MB file on every reply would cost; a file unchanged since is the same content.
    if (!memo || memo.mtimeMs !== st.mtimeMs || memo.size !== st.size) {
      const bytes = await read();
      memo = { mtimeMs: st.mtimeMs, size: bytes.length, hash: sha(type, bytes), format: checkMedia(type, bytes, file) };
      this.#files.set(memoKey, memo);
    }
    return {
      hash: memo.hash,
      format: memo.format,
      size: memo.size,
      label: file,
      filename: filename ?? basename(path),
      file: path,
      bytes: read,
    };
  }

  async #loadUrl(type: MediaType, url: string, filename: string | undefined, signal?: AbortSignal): Promise<Loaded> {
    if (!/^https?:\/\//i.test(url)) throw new WechatApiError('MEDIA_INVALID', `${url} is not an http(s) URL`);
    const name = filename ?? (basename(new URL(url).pathname) || 'media');
    const fetchIt = (s?: AbortSignal) =>
      fetchLimited(url, MEDIA_LIMITS[type].maxBytes, this.#o.fetchTimeoutMs ?? 10_000, s);
    const memoKey = `${type}:${url}`;
    const memo = this.#urls.get(memoKey);
    if (memo && memo.until > this.#now()) {
      // Downloaded again only inside an upload that other callers may share: no one caller's signal stops it.
      return {
        hash: memo.hash,
        format: memo.format,
        size: memo.size,
        label: url,
        filename: name,
        bytes: () => fetchIt(),
      };
    }
    const bytes = await fetchIt(signal);
    const format = checkMedia(type, bytes, url);
    const hash = sha(type, bytes);
    this.#urls.set(memoKey, { until: this.#now() + URL_MEMO_MS, hash, format, size: bytes.length });
    return { hash, format, size: bytes.length, label: url, filename: name, bytes: async () => bytes };
  }
}

/**
 * A file source that cannot be read: a local problem, not WeChat's (nothing was sent to it). The
 * path tried is shown when it is not the one given: relative paths start from the working directory.
 */
function unreadable(file: string, path: string, why: NodeJS.ErrnoException | string): WechatApiError {
  const reason = typeof why === 'string' ? why : unreadableReason(why);
  const where = file === path ? '' : ` at ${path} (a relative path starts from the working directory)`;
  return new WechatApiError(
    'MEDIA_INVALID',
    `cannot read the local file ${file}: ${reason}${where}; nothing was sent to WeChat`,
    typeof why === 'string' ? {} : { cause: why },
  );
}

/** Redirects followed for a URL source (CDNs commonly answer 301/302 first). */
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A download that went wrong: the URL's server or the network, not WeChat (nothing was sent to it). */
function downloadError(url: string, why: string, cause?: unknown): WechatApiError {
  return new WechatApiError('MEDIA_INVALID', `cannot download ${url}: ${why}; nothing was sent to WeChat`, {
    cause,
  });
}

function failure(url: string, err: unknown, signal: AbortSignal | undefined): WechatApiError {
  if (signal?.aborted)
    return downloadError(url, 'stopped because ctx.signal was aborted (the reply is no longer wanted)', signal.reason);
  return downloadError(url, (err as { code?: string }).code ?? (err as Error).message, err);
}

/**
 * Downloads at most `max` + 1 bytes (one more than WeChat takes is enough to say it is too big),
 * following up to MAX_REDIRECTS http(s) redirects; `signal` stops it wherever it is.
 */
async function fetchLimited(url: string, max: number, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
  const { request } = await import('undici');
  let at = url;
  for (let redirects = 0; ; redirects++) {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(at, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal });
    } catch (err) {
      throw failure(url, err, signal);
    }
    const location = res.headers.location;
    if (REDIRECTS.has(res.statusCode) && typeof location === 'string') {
      await res.body.dump();
      if (redirects === MAX_REDIRECTS) throw downloadError(url, `more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, at);
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw downloadError(url, `redirected to ${next.protocol} (only http and https are followed)`);
      at = next.href;
      continue;
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump();
      const via = at === url ? '' : ` (redirected to ${at})`;
      throw downloadError(url, `HTTP ${res.statusCode}${via}`);
    }
    try {
      return await readAtMost(res.body, max);
    } catch (err) {
      throw failure(url, err, signal);
    }
  }
}

async function readAtMost(body: AsyncIterable<unknown> & { destroy(): unknown }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    n += (chunk as Buffer).length;
    if (n > max) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks);
}

async function release(store: Store, lockKey: string, owner: string): Promise<void> {
  try {
    if ((await store.get(lockKey)) === owner) await store.delete(lockKey);
  } catch {
    // The lock expires on its own.
  }
}

/** Media ids for replies: uploads with a cache when `api` is given, local placeholders otherwise. */
export function createMediaReplies(o: MediaRepliesOptions = {}): MediaReplies {
  return new MediaCache(o);
}

export { isLocalMediaId };

export interface LocalMedia {
  type: MediaType;
  format: MediaFormat;
  contentType: string;
  bytes: Buffer;
  /** The original file, when the placeholder was made from one. */
  file?: string;
}

/**
 * The picture (voice, video, thumb) behind a placeholder media_id, for the inspector and the
 * simulator: from this process's placeholders, else from `dir` (the `placeholderDir` of the
 * process that made it, e.g. `<project>/.wxbot/media`). Undefined for an id that is not a
 * placeholder or whose file is gone.
 */
export async function resolveLocalMedia(mediaId: string, dir?: string): Promise<LocalMedia | undefined> {
  const m = LOCAL_MEDIA_ID.exec(mediaId);
  if (!m) return undefined;
  const entry = LOCAL.get(mediaId);
  try {
    if (entry) {
      const bytes = entry.bytes ? Buffer.from(entry.bytes) : await readFile(entry.file!);
      return {
        type: entry.type,
        format: entry.format,
        contentType: FORMAT_FILES[entry.format].contentType,
        bytes,
        file: entry.file,
      };
    }
    if (!dir) return undefined;
    const name = (await readdir(dir)).find((f) => f.startsWith(`${mediaId}.`));
    if (!name) return undefined;
    const bytes = await readFile(join(dir, name));
    const format = sniffFormat(bytes);
    if (!format) return undefined;
    return {
      type: m[1] as MediaType,
      format,
      contentType: FORMAT_FILES[format].contentType,
      bytes,
      file: join(dir, name),
    };
  } catch {
    return undefined;
  }
}
