/**
 * `wxbot history --convo`: recorded exchanges as a conversation file, each reply as the exact
 * expectation, so `wxbot test` can hold the bot to what it answered then.
 */
import { parseReply } from '../protocol/replies.js';
import { formatConvo } from '../testing/convo-format.js';
import type { ConvoReplyInput, ConvoTurnInput } from '../testing/convo-format.js';
import type { HistoryEntry } from './entry.js';

/** An answered push that was not a retry: what a user sent and what the bot said. */
export function isConversationTurn(e: HistoryEntry): boolean {
  return e.mode !== 'verify' && e.message !== null && e.status === 200 && !e.dedupe;
}

function replyOf(reply: string | null): ConvoReplyInput | undefined {
  if (reply === null) return undefined;
  if (reply === '' || reply === 'success') return null;
  try {
    return parseReply(reply);
  } catch {
    return undefined;
  }
}

/** The conversation file for these entries (those that are not conversation turns are left out). */
export function historyToConvo(entries: readonly HistoryEntry[], name = 'recorded by wxbot serve'): string {
  const turns: ConvoTurnInput[] = [];
  for (const e of entries) {
    if (!isConversationTurn(e)) continue;
    const turn: ConvoTurnInput = { user: e.message!.FromUserName, send: e.message! };
    const reply = replyOf(e.reply);
    if (reply !== undefined) turn.replies = reply;
    turns.push(turn);
  }
  return formatConvo(turns, { name });
}
