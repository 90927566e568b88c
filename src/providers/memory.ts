/** Per-user short conversation memory kept in the bot's Store, so a chat has context across messages. */
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';

export interface Turn {
  user: string;
  assistant: string;
}

export interface MemoryOptions {
  /** Turns (a user message and its answer) kept per user. 0 turns memory off. */
  turns: number;
  /** Forget a conversation after this long without a message. */
  ttlMs: number;
  /** Key namespace, e.g. the provider name. */
  namespace: string;
  /** Where the keys start: the bot's `wxbot:<appId>:` (default `wxbot:`). */
  keyPrefix?: string;
}

export class ChatMemory {
  readonly #store: Store;
  readonly #o: MemoryOptions;

  constructor(store: Store, o: MemoryOptions) {
    this.#store = store;
    this.#o = o;
  }

  // Hashed so OpenIDs (personal data) do not show up in Redis key listings.
  key(userId: string): string {
    return `${this.#o.keyPrefix ?? 'wxbot:'}chat:${this.#o.namespace}:${createHash('sha256').update(userId).digest('hex').slice(0, 32)}`;
  }

  /** The remembered turns, oldest first; a broken or unreadable entry is an empty memory, not an error. */
  async load(userId: string): Promise<Turn[]> {
    if (this.#o.turns <= 0) return [];
    try {
      const raw = await this.#store.get(this.key(userId));
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed) ? parsed.filter(isTurn).slice(-this.#o.turns) : [];
    } catch {
      return [];
    }
  }

  async append(userId: string, turn: Turn, previous?: Turn[]): Promise<void> {
    if (this.#o.turns <= 0) return;
    const turns = [...(previous ?? (await this.load(userId))), turn].slice(-this.#o.turns);
    await this.#store.set(this.key(userId), JSON.stringify(turns), this.#o.ttlMs);
  }

  async clear(userId: string): Promise<void> {
    await this.#store.delete(this.key(userId));
  }
}

function isTurn(t: unknown): t is Turn {
  return !!t && typeof (t as Turn).user === 'string' && typeof (t as Turn).assistant === 'string';
}
