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
  /** The retry window's step (held, answered, waiting, pending; stored: an answer kept for later). */
  slow?: string;
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

/** What a recorder hands over; the history file assigns the id. */
export type HistoryInput = Omit<HistoryEntry, 'id'>;
