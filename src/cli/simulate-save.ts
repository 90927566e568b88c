/**
 * `wxbot simulate --save file.convo`: the session written as a conversation test, rewritten after
 * every turn so a Ctrl-C loses nothing. `wxbot test file.convo` then holds the bot to it.
 */
import { writeFileSync } from 'node:fs';
import type { WechatMessage } from '../protocol/messages.js';
import type { SimulateResult } from '../simulate/send.js';
import { type ConvoTurnInput, formatConvo } from '../testing/convo-format.js';
import { CliError, EXIT } from './errors.js';

export class ConvoRecorder {
  readonly #turns: ConvoTurnInput[] = [];

  constructor(readonly path: string) {}

  add(message: WechatMessage, r: SimulateResult | undefined): void {
    const turn: ConvoTurnInput = { user: message.FromUserName, send: message };
    // A reply WeChat would reject is no expectation to keep: the turn is written without one.
    if (r && r.problems.length === 0) turn.replies = r.reply ?? (r.ack !== null ? null : undefined);
    if (turn.replies === undefined) delete turn.replies;
    this.#turns.push(turn);
    try {
      writeFileSync(this.path, formatConvo(this.#turns, { name: 'saved by wxbot simulate' }));
    } catch (err) {
      throw new CliError(`cannot write ${this.path}: ${(err as Error).message}`, EXIT.usage);
    }
  }
}
