/**
 * "Save the conversation": one user's exchanges as a `.convo` file for `wxbot test`, each reply the
 * exact expectation. A reply WeChat would refuse is no expectation to keep: that turn gets none.
 */
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import { type ConvoTurnInput, formatConvo } from '../testing/convo-format.js';
import type { ExchangeSummary } from './wire.js';

export function conversationFile(exchanges: readonly ExchangeSummary[], user: string): string {
  const turns: ConvoTurnInput[] = [];
  for (const x of exchanges) {
    if (x.user !== user || !x.message) continue;
    const turn: ConvoTurnInput = { user, send: x.message as unknown as WechatMessage };
    if (x.outcome.kind === 'reply') turn.replies = x.outcome.reply as unknown as ReplyBody;
    else if (x.outcome.kind === 'none') turn.replies = null;
    turns.push(turn);
  }
  return formatConvo(turns, { name: `saved by wxbot ui (${user})` });
}
