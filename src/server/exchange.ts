import type { SlowStep } from '../bot/slow-reply.js';
import type { WechatMessage } from '../protocol/messages.js';
import { replyHeader, type Reply, type ReplyBody } from '../protocol/replies.js';
import type { PushQuery } from './query.js';
import type { LateReplyResult } from '../wechat-api/late-reply.js';
import type { AsideStep, Exchange } from './types.js';
import type { Mode } from './verify.js';

/**
 * The Exchange handed to `onExchange`, built once per request while a history is recorded: one
 * fixed-shape object, with the two fields that cost real work (the ISO time and the parsed reply
 * object) computed only when read, which a recorder that keeps the last N does for few of them.
 * Reads and JSON output are the same as for a plain object.
 */
export class ExchangeRecord implements Exchange {
  message: WechatMessage | undefined;
  replyXml: string | undefined;
  error: string | undefined;
  slow: SlowStep | AsideStep | undefined;
  customService: LateReplyResult | undefined;
  delivery: number | undefined;
  #time: string | undefined;
  #replyParsed: Reply | undefined;
  #replyBody: ReplyBody | undefined;
  #repliedAt = 0;

  constructor(
    readonly id: string,
    readonly receivedAt: number,
    readonly method: string,
    readonly path: string,
    readonly query: PushQuery,
    readonly body: string,
    readonly mode: Mode,
    readonly status: number,
    readonly reply: string,
    readonly latencyMs: number,
    readonly dedupe: boolean,
    readonly late: boolean,
  ) {
    this.message = undefined;
    this.replyXml = undefined;
    this.error = undefined;
    this.slow = undefined;
    this.customService = undefined;
    this.delivery = undefined;
  }

  /** Records the reply the bot gave (before rendering) and when: `replyParsed` is built from it on demand. */
  setReply(body: ReplyBody, repliedAt: number): void {
    this.#replyBody = body;
    this.#repliedAt = repliedAt;
  }

  get time(): string {
    this.#time ??= new Date(this.receivedAt).toISOString();
    return this.#time;
  }

  get replyParsed(): Reply | undefined {
    if (this.#replyParsed === undefined && this.#replyBody && this.message) {
      this.#replyParsed = { ...replyHeader(this.message, this.#repliedAt), ...this.#replyBody } as Reply;
    }
    return this.#replyParsed;
  }

  toJSON(): Exchange {
    const o: Exchange = {
      id: this.id,
      time: this.time,
      method: this.method,
      path: this.path,
      query: this.query,
      body: this.body,
      mode: this.mode,
      status: this.status,
      reply: this.reply,
      latencyMs: this.latencyMs,
      dedupe: this.dedupe,
      late: this.late,
    };
    if (this.message) o.message = this.message;
    const parsed = this.replyParsed;
    if (parsed) o.replyParsed = parsed;
    if (this.replyXml !== undefined) o.replyXml = this.replyXml;
    if (this.error !== undefined) o.error = this.error;
    if (this.slow !== undefined) o.slow = this.slow;
    if (this.customService !== undefined) o.customService = this.customService;
    if (this.delivery !== undefined) o.delivery = this.delivery;
    return o;
  }
}
