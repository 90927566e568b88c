import { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import { replyBodyProblem } from '../protocol/reply-check.js';
import {
  imageReply,
  musicReply,
  newsReply,
  textReply,
  transferReply,
  videoReply,
  voiceReply,
  type Article,
  type MusicReply,
  type ReplyBody,
} from '../protocol/replies.js';
import type { Store } from '../store/store.js';
import type { MediaReplies, MediaSource } from '../wechat-api/media-cache.js';
import type { MediaType } from '../wechat-api/media-limits.js';
import { mediaReply } from './reply-promise.js';
import { Session } from './session.js';
import type { HandlerResult } from './types.js';

export interface ContextInit<M extends WechatMessage> {
  message: M;
  store: Store;
  /** `wxbot:<appId or 'default'>:` — every key this context writes starts with it. */
  keyPrefix: string;
  sessionTtlMs: number;
  /** A source (e.g. an AbortController) is read on first use of ctx.signal: making one per message costs. */
  signal: AbortSignal | { readonly signal: AbortSignal };
  reportError?: (err: unknown) => void;
  /** Like reportError, also given the message: one function for every context, no closure each. */
  report?: (err: unknown, message: WechatMessage) => void;
  /** Uploads (or, in local development, placeholders) for replies made from files, URLs or buffers. */
  media?: MediaReplies;
  answerWithinMs?: number | undefined;
}

/** A video reply from a file, URL or buffer; `thumb` is used only when the reply goes late (customer-service API). */
export type VideoSource = MediaSource & { title?: string; description?: string; thumb?: MediaSource };
/** A music reply whose thumbnail is a file, URL or buffer (uploaded as thumb media: jpg, at most 64 KB). */
export type MusicSource = Omit<MusicReply['Music'], 'ThumbMediaId'> & { thumb: MediaSource };

/**
 * Normalises what a handler returned: a string is a text reply, nothing (or '') is "no reply".
 * Anything else must be a reply WeChat accepts: otherwise a WxbotError (BAD_REPLY) saying what it
 * was, thrown where the handler's value is taken, so it goes where a handler's throw goes
 * (`bot.catch`, then the log with `success`) instead of failing the render.
 */
export function toReplyBody(result: HandlerResult): ReplyBody | undefined {
  if (result === undefined || result === null || result === '') return undefined;
  if (typeof result === 'string') return textReply(result);
  const problem = replyBodyProblem(result);
  if (problem !== undefined) throw badReply(problem);
  return result;
}

function badReply(problem: string): WxbotError {
  return new WxbotError(
    'BAD_REPLY',
    `not a reply: ${problem}. A handler returns a string (a text reply), a reply such as newsReply(...) or imageReply(mediaId), or nothing ('' or undefined) to answer success`,
  );
}

/**
 * One per incoming message: the parsed message, the reply being built, the store and session.
 * Reply helpers set the reply and return it, so `return ctx.replyNews(...)` reads naturally.
 */
export class Context<M extends WechatMessage = WechatMessage> {
  readonly message: M;
  readonly store: Store;
  /** Scratch space for middleware to pass things along (timers, auth results). */
  get state(): Record<string, unknown> {
    this.#state ??= {};
    return this.#state;
  }
  /** The RegExp match of a `bot.text(/.../)` route. */
  match: RegExpExecArray | undefined;
  /**
   * The reply so far; `undefined` answers `success`. Setting it is `ctx.reply(value)`: a value that is
   * not a reply (plain JavaScript can assign anything) throws BAD_REPLY there, as a handler returning
   * it fails, rather than reaching the render.
   */
  get response(): ReplyBody | undefined {
    return this.#response;
  }
  set response(value: ReplyBody | undefined) {
    this.#response = toReplyBody(value);
  }
  /**
   * How long the answer may take and still reach the user, in ms from the message's arrival: the
   * server's slow-reply limit when it can deliver after WeChat's 5 s (the retry window, the
   * customer-service API; docs/guide/slow-replies.md), or undefined when only the passive reply within
   * the deadline counts. `chat()` hands it to the provider as its budget.
   */
  readonly answerWithinMs: number | undefined;
  #signal: AbortSignal | { readonly signal: AbortSignal };
  readonly #keyPrefix: string;
  readonly #sessionTtlMs: number;
  readonly #reportError: ((err: unknown) => void) | undefined;
  readonly #report: ((err: unknown, message: WechatMessage) => void) | undefined;
  readonly #media: MediaReplies | undefined;
  #session: Session | undefined;
  #state: Record<string, unknown> | undefined;
  #response: ReplyBody | undefined;

  /** Everything is read out of `init` here: the object may be reused for the next context. */
  constructor(init: ContextInit<M>) {
    this.message = init.message;
    this.store = init.store;
    this.match = undefined;
    this.#response = undefined;
    this.answerWithinMs = init.answerWithinMs;
    this.#signal = init.signal;
    this.#keyPrefix = init.keyPrefix;
    this.#sessionTtlMs = init.sessionTtlMs;
    this.#reportError = init.reportError;
    this.#report = init.report;
    this.#media = init.media;
  }

  /** Where every store key of this bot starts: `wxbot:<appId or 'default'>:`. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  /** Aborted when nobody will use the reply any more (deadline without a late-reply hook, shutdown). */
  get signal(): AbortSignal {
    const s = this.#signal;
    if (s instanceof AbortSignal) return s;
    this.#signal = s.signal;
    return s.signal;
  }

  /** The sender's OpenID. */
  get openId(): string {
    return this.message.FromUserName;
  }

  /** What the user said: text Content, or a voice message's recognition text. */
  get text(): string | undefined {
    const m = this.message as { MsgType: string; Content?: unknown; Recognition?: unknown };
    if (m.MsgType === 'text' && typeof m.Content === 'string') return m.Content;
    if (m.MsgType === 'voice' && typeof m.Recognition === 'string' && m.Recognition.trim()) return m.Recognition;
    return undefined;
  }

  /** Per-user JSON state (namespace `bot`); see `sessionFor` for separate namespaces. */
  get session(): Session {
    this.#session ??= this.sessionFor('bot');
    return this.#session;
  }

  sessionFor<T = Record<string, unknown>>(namespace: string, ttlMs = this.#sessionTtlMs): Session<T> {
    return new Session<T>(this.store, `${this.#keyPrefix}session:${namespace}:${this.openId}`, ttlMs);
  }

  /**
   * Sets the reply: a string is a text reply, '' none (`success`). Calling it again replaces the
   * earlier reply. Throws (BAD_REPLY) for a value that is not a reply WeChat accepts.
   */
  reply(reply: ReplyBody): ReplyBody;
  reply(reply: string | ReplyBody): ReplyBody | undefined;
  reply(reply: string | ReplyBody): ReplyBody | undefined {
    const body = toReplyBody(reply);
    this.#response = body;
    return body;
  }

  replyText(content: string): ReplyBody {
    return this.reply(textReply(content));
  }
  /**
   * An image reply: a media_id, or a `{ file }`, `{ url }` or `{ buffer }` that is uploaded once and
   * its media_id reused (then it returns a promise: `return ctx.replyImage({ file: './cat.png' })`).
   */
  replyImage(mediaId: string): ReplyBody;
  replyImage(source: MediaSource): Promise<ReplyBody>;
  replyImage(m: string | MediaSource): ReplyBody | Promise<ReplyBody> {
    if (typeof m === 'string') return this.reply(imageReply(m));
    return this.#later(this.#mediaId('image', m).then((id) => this.reply(imageReply(id))));
  }
  /** A voice reply: a media_id, or a file/URL/buffer (amr or mp3, at most 2 MB) uploaded once. */
  replyVoice(mediaId: string): ReplyBody;
  replyVoice(source: MediaSource): Promise<ReplyBody>;
  replyVoice(m: string | MediaSource): ReplyBody | Promise<ReplyBody> {
    if (typeof m === 'string') return this.reply(voiceReply(m));
    return this.#later(this.#mediaId('voice', m).then((id) => this.reply(voiceReply(id))));
  }
  /**
   * A video reply: a media_id (`thumbMediaId` is only used if the reply goes late, as a
   * customer-service message, which wants one), or a `{ file, title, description, thumb }` uploaded once.
   */
  replyVideo(mediaId: string, title?: string, description?: string, thumbMediaId?: string): ReplyBody;
  replyVideo(source: VideoSource): Promise<ReplyBody>;
  replyVideo(
    m: string | VideoSource,
    title?: string,
    description?: string,
    thumbMediaId?: string,
  ): ReplyBody | Promise<ReplyBody> {
    if (typeof m === 'string') return this.reply(videoReply(m, title, description, thumbMediaId));
    const { title: t, description: d, thumb, ...source } = m;
    return this.#later(
      Promise.all([this.#mediaId('video', source), thumb ? this.#mediaId('thumb', thumb) : undefined]).then(
        ([id, thumbId]) => this.reply(videoReply(id, t, d, thumbId)),
      ),
    );
  }
  /** A music reply: with ThumbMediaId, or with `thumb` (a jpg file/URL/buffer, at most 64 KB) uploaded once. */
  replyMusic(music: MusicReply['Music']): ReplyBody;
  replyMusic(music: MusicSource): Promise<ReplyBody>;
  replyMusic(music: MusicReply['Music'] | MusicSource): ReplyBody | Promise<ReplyBody> {
    if (!('thumb' in music)) return this.reply(musicReply(music));
    const { thumb, ...rest } = music;
    return this.#later(
      this.#mediaId('thumb', thumb).then((id) => this.reply(musicReply({ ...rest, ThumbMediaId: id }))),
    );
  }
  /** A media reply's promise: if the handler neither returns nor awaits it, its failure is reported, not left to crash the process. */
  #later(work: Promise<ReplyBody>): Promise<ReplyBody> {
    return mediaReply(work, (err) => this.reportError(err));
  }
  #mediaId(type: MediaType, source: MediaSource): Promise<string> {
    const media = this.#media;
    if (!media) {
      const err = new WxbotError(
        'MEDIA_NOT_CONFIGURED',
        `a ${type} reply from a file, URL or buffer needs media uploads: pass media: createMediaReplies({ api, store }) to createHandler (wxbot serve does it)`,
      );
      return Promise.reject(err);
    }
    // Read only for a URL: ctx.signal makes an AbortController, which a file or buffer never needs.
    return source.url === undefined
      ? media.mediaIdFor(type, source)
      : media.mediaIdFor(type, source, { signal: this.signal });
  }
  /** One article for user messages, up to 8 for events (§5.2); extra articles are dropped when rendered. */
  replyNews(articles: Article | Article[]): ReplyBody {
    return this.reply(newsReply(articles));
  }
  /** Hands the conversation to the customer-service system (optionally a given agent). */
  transfer(kfAccount?: string): ReplyBody {
    return this.reply(transferReply(kfAccount));
  }

  /** Reports a problem to the server's log without failing the reply. */
  reportError(err: unknown): void {
    if (this.#report) this.#report(err, this.message);
    else this.#reportError?.(err);
  }
}
