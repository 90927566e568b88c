import type { ReplyBody } from '../protocol/replies.js';
import type { Store } from '../store/store.js';

/** What a chat provider is told besides the text. */
export interface ChatContext {
  /** The user's OpenID (providers derive their own user ids from it). */
  userId: string;
  /** Aborted when the reply budget runs out; providers must stop their request. */
  signal?: AbortSignal;
  /** The bot's store, for per-user memory. */
  store?: Store;
}

/** A string is a text reply; a ReplyBody (e.g. news) is sent as is. */
export type ChatReply = string | ReplyBody;

/** The provider interface: built-ins implement it, users plug their own. */
export type ChatProvider = (input: string, context: ChatContext) => Promise<ChatReply>;
