import type { SlowReplies, SlowReplyOptions, SlowStep } from '../bot/slow-reply.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { Reply, ReplyBody } from '../protocol/replies.js';
import type { Store } from '../store/store.js';
import type { LateReplyResult } from '../wechat-api/late-reply.js';
import type { MediaReplies } from '../wechat-api/media-cache.js';
import type { PushQuery } from './query.js';
import type { Mode } from './verify.js';

export interface HandlerOptions {
  /** The Token typed into the WeChat console. Required. */
  token: string;
  /** 43-character EncodingAESKey; with `appId`, enables compatible and safe mode. */
  encodingAESKey?: string;
  /** The account's AppID (checked inside every decrypted message; namespaces store keys). */
  appId?: string;
  /**
   * Only answer this path (others get 404), compared as the request sends it: a `/` and then letters,
   * digits, `/` and `-._~!$&'()*+,;=:@` (anything else throws a `CONFIG` error). Default: any path,
   * as when mounted in a framework.
   */
  path?: string;
  /** Tolerated distance of `timestamp` from the server clock, in seconds. Default 300; 0 disables. */
  maxSkew?: number;
  /** Answer `success` if the bot is not done by then (WeChat gives up at 5 s). Default 4500 ms. */
  deadlineMs?: number;
  /** Largest accepted body in bytes (413 above). Default 1 MiB. */
  bodyLimit?: number;
  /** Time allowed to receive the body (408 after). Default 10 000 ms. */
  bodyTimeoutMs?: number;
  /** Accept plaintext pushes when an AES key is configured. Default true (the console may be in plaintext mode). */
  allowPlaintext?: boolean;
  /**
   * Plaintext mode: a signed query may come back within the skew window only with the same body
   * (WeChat's retries); with another one it gets 401. Kept in `store`, so it holds across replicas.
   * Default true.
   */
  replayProtection?: boolean;
  /** Dedupe and session store. Default: the bot's store (in memory unless the bot was given one). */
  store?: Store;
  /** How long a message id is remembered for retry dedupe. Default 60 000 ms. */
  dedupeTtlMs?: number;
  /** A handler past the deadline is aborted after this long (only with onLateReply). Default 60 000 ms. */
  lateLimitMs?: number;
  /**
   * Receives a reply that was ready only after `success` went out, e.g. to send it via the
   * customer-service API. When it resolves to a LateReplyResult (as createLateReplySender's does:
   * what became of the answer), that is recorded as an exchange of its own for `onExchange`
   * (history, web UI); anything else it returns is ignored.
   */
  onLateReply?: (message: WechatMessage, reply: ReplyBody) => unknown;
  /**
   * Media ids for replies made from files, URLs or buffers (`ctx.replyImage({ file })`): uploads with
   * a cache, or local placeholders without an account. See createMediaReplies.
   */
  media?: MediaReplies;
  /**
   * What a handler still running at the deadline does (docs/guide/slow-replies.md): the retry window
   * holds deliveries and keeps pending answers. Default: `success` at the deadline (strategy off).
   */
  slowReplies?: SlowReplyOptions | SlowReplies;
  /** How long a message's claim in a shared store lives unless renewed by its replica. Default 3000 ms. */
  claimLeaseMs?: number;
  /** Structured log records (one per request, plus errors). Nothing is formatted when absent. */
  onLog?: (record: LogRecord) => void;
  /** One record per finished request with the raw request and response (for a local history). */
  onExchange?: (exchange: Exchange) => void;
}

/** Records that are no request: an answer kept for the user's next message, one sent through the customer-service API. */
export type AsideStep = 'stored' | 'custom-service';

/** One finished HTTP exchange, as seen on the wire plus what it meant. */
export interface Exchange {
  id: string;
  /** ISO time the request arrived. */
  time: string;
  method: string;
  path: string;
  /** The signature-related query parameters as received. */
  query: PushQuery;
  /** Raw request body ('' for GET). */
  body: string;
  /** The decrypted, parsed message (absent for GET and rejected requests). */
  message?: WechatMessage;
  mode: Mode;
  status: number;
  /** Raw response body: the echo, `success`, reply XML or the encrypted envelope. */
  reply: string;
  /** The plaintext reply, before encryption. */
  replyParsed?: Reply;
  /** The plaintext reply XML, before encryption. */
  replyXml?: string;
  latencyMs: number;
  /** A retry answered from the first delivery's result. */
  dedupe: boolean;
  /** The deadline passed and `success` was answered. */
  late: boolean;
  /**
   * The retry window's step (held, answered, waiting, pending), `stored` for an answer kept for later,
   * or `custom-service` for a late answer sent through the customer-service API (no request of its own).
   */
  slow?: SlowStep | AsideStep;
  /** With `custom-service`: whom it went to, WeChat's answer, and what to do when it was not delivered. */
  customService?: LateReplyResult;
  /** Which delivery of the message this was, when the retry window counted it. */
  delivery?: number;
  /** Why the request was rejected, or the handler error message. */
  error?: string;
}

export interface RequestLog {
  type: 'request';
  level: 'info' | 'warn' | 'error';
  /** Epoch ms when the request arrived. */
  time: number;
  id: string;
  method: string;
  path: string;
  status: number;
  mode: Mode;
  latencyMs: number;
  /** GET verification (answered with echostr). */
  verify?: boolean;
  message?: WechatMessage;
  reply?: ReplyBody;
  dedupe: boolean;
  late: boolean;
  /** Rejection reason (4xx), without secrets. */
  reason?: string;
  /** The retry window's step for this delivery (docs/guide/slow-replies.md). */
  slow?: SlowStep;
  /** Which delivery of the message this was, when counted. */
  delivery?: number;
}

/** A slow answer nobody received was kept for the user's next message. */
export interface SlowLog {
  type: 'slow';
  level: 'info';
  time: number;
  event: 'pending.stored';
  message: WechatMessage;
  reply: ReplyBody;
}

export interface ErrorLog {
  type: 'error';
  level: 'error';
  time: number;
  /** What failed: a handler, a late handler, the late-reply hook, the store… */
  error: { name: string; code?: string; message: string };
  openId?: string;
  msgType?: string;
}

export type LogRecord = RequestLog | ErrorLog | SlowLog;
