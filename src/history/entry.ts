import type { WechatMessage } from '../protocol/messages.js';

/** One request/response pair as `wxbot serve`/`tunnel` saw it; what `wxbot history` lists and `replay` re-sends. */
export interface HistoryEntry {
  /** Increasing number, unique within one history file: what you type after `wxbot replay`. */
  id: number;
  /** ISO time the request arrived. */
  at: string;
  method: string;
  path: string;
  /** Query as received: signature, timestamp, nonce, openid, encrypt_type, msg_signature, echostr. */
  query: Record<string, string>;
  /** Request body as received (in safe mode the `<Encrypt>` blob, which is useless without the key). */
  body: string;
  /** plain | compat | safe for pushes; verify for the console's GET check. */
  mode: string;
  /** The message after decryption and parsing (what the bot saw), with WeChat's field names. */
  message: WechatMessage | null;
  /** Summary fields for the list view. */
  msgType?: string;
  event?: string;
  from?: string;
  content?: string;
  status: number;
  /** Where the server was listening (`http://127.0.0.1:5050`): `wxbot replay` sends there by default. */
  server?: string;
  /** A WeChat retry answered from the first delivery's result. */
  dedupe?: boolean;
  /** The reply deadline passed and `success` went out instead. */
  late?: boolean;
  /**
   * The retry window's step (held, answered, waiting, pending); `stored`: an answer kept for later;
   * `custom-service`: a late answer sent through the customer-service API. The last two are no
   * request (status 0): `message` is the one they answer.
   */
  slow?: string;
  /** With `custom-service`: what became of the answer. */
  customService?: HistoryCustomService;
  /** Which delivery of the message this was, when counted. */
  delivery?: number;
  /** The reply before encryption (XML), `success`, an echo, or null when nothing was sent. */
  reply: string | null;
  latencyMs: number;
  /** Why the request was rejected, in words (never a secret). */
  error?: string;
  /** A field was cut at the size cap, or a configured secret was blanked out of it. */
  truncated?: boolean;
  redacted?: boolean;
}

/** A late answer's way through the customer-service API, as the history keeps it. */
export interface HistoryCustomService {
  /** WeChat accepted it (errcode 0). */
  sent: boolean;
  /** The masked OpenID it was for. */
  to: string;
  api: string;
  /** WeChat's answer; absent when it never reached WeChat (outside the window, a network failure). */
  errcode?: number;
  errmsg?: string;
  /** What happened; for a refusal, what the errcode means and what to do. */
  message: string;
}

/** What a recorder hands over; the history file assigns the id. */
export type HistoryInput = Omit<HistoryEntry, 'id'>;
