/**
 * Runs one conversation against a target: each `>` line is pushed as WeChat would push it, each
 * answer gets the simulator's verdict and is compared with the `<` lines. A turn passes only when
 * both hold: the reply is the expected one and WeChat would accept it.
 */
import { randomBytes } from 'node:crypto';
import type { WechatMessage } from '../protocol/messages.js';
import { SimulateError } from '../simulate/errors.js';
import type { SimulatedUser } from '../simulate/messages.js';
import type { SimulateMode } from '../simulate/push.js';
import { type ActualReply, expectationLines, matchesExpectation, replyLines } from './convo-expect.js';
import type { Conversation, ConvoTurn } from './convo-parse.js';
import { FakeClock } from './fake-clock.js';
import type { Delivery, Target, TargetSession } from './targets.js';

export interface TurnResult {
  /** Line of the `>` line. */
  line: number;
  /** The `>` line as written. */
  send: string;
  user: string;
  ok: boolean;
  /** The `<` lines as written; empty when the turn expects nothing in particular. */
  expected: string[];
  /** The reply written as `<` lines would expect it exactly. */
  actual: string[];
  /** Why the turn failed: the reply was another one, or WeChat would not accept it. */
  failure?: 'mismatch' | 'rejected';
  problems: string[];
  warnings: string[];
  ms: number;
  /** In-process: what the bot's handler threw on this turn (`Name CODE: message`). */
  error?: string;
  /** Lines of the `<` block, when the expectation is an exact text (what `--update` may rewrite). */
  exact?: { from: number; to: number };
  /** `--update` rewrote the expectation with the actual reply. */
  updated?: boolean;
}

export interface ConversationResult {
  file: string;
  name: string;
  line: number;
  ok: boolean;
  turns: TurnResult[];
  ms: number;
}

export interface RunConversationOptions {
  mode?: SimulateMode;
  /** Run in-process conversations on a fake clock starting at this time (ms), or now when true. */
  clock?: number | boolean;
}

/** The server could not be reached: nothing about the conversation can be said. */
export class ConvoNetworkError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'ConvoNetworkError';
  }
}

/** A fresh OpenID (28 characters, like WeChat's) per conversation, so no state carries over. */
export function freshOpenId(): string {
  return `oTest${randomBytes(18).toString('base64url')}`.slice(0, 28);
}

const isEvent = (m: WechatMessage) => m.MsgType === 'event';

function clockFor(c: Conversation, target: Target, o: RunConversationOptions): FakeClock | undefined {
  if (!target.inProcess) return undefined;
  const waits = c.turns.some((t) => t.step.kind === 'wait');
  if (c.clock !== undefined) return new FakeClock(c.clock);
  if (typeof o.clock === 'number') return new FakeClock(o.clock);
  return o.clock === true || waits ? new FakeClock() : undefined;
}

function judgeTurn(turn: ConvoTurn, d: Delivery): Pick<TurnResult, 'ok' | 'failure' | 'expected' | 'actual' | 'exact'> {
  const actual: ActualReply = { reply: d.reply, ack: d.ack };
  const matched = turn.expect === undefined || matchesExpectation(turn.expect, actual);
  const ok = matched && d.problems.length === 0;
  const out: Pick<TurnResult, 'ok' | 'failure' | 'expected' | 'actual' | 'exact'> = {
    ok,
    expected: turn.expect ? expectationLines(turn.expect) : [],
    actual: replyLines(actual),
  };
  if (!ok) out.failure = matched ? 'rejected' : 'mismatch';
  if (turn.expect?.kind === 'exact') out.exact = { from: turn.expectFrom!, to: turn.expectTo! };
  return out;
}

async function runTurns(
  c: Conversation,
  session: TargetSession,
  o: RunConversationOptions,
  clock: FakeClock | undefined,
): Promise<TurnResult[]> {
  const fallbackUser = freshOpenId();
  const results: TurnResult[] = [];
  // Events are told apart by sender + CreateTime + Event: two in one second would look like a retry.
  const lastEvent = new Map<string, number>();
  for (const turn of c.turns) {
    if (turn.step.kind === 'wait') {
      if (clock) clock.advance(turn.step.ms);
      else await new Promise((r) => setTimeout(r, turn.step.kind === 'wait' ? turn.step.ms : 0));
      continue;
    }
    const user = turn.user ?? fallbackUser;
    const now = Date.now();
    const u: SimulatedUser = { from: user, now };
    if (turn.account) u.to = turn.account;
    let message = turn.step.build(u);
    if (isEvent(message)) {
      const at = Math.max(now, (lastEvent.get(user) ?? -Infinity) + 1000);
      lastEvent.set(user, at);
      if (at !== now) message = turn.step.build({ ...u, now: at });
    }
    let d: Delivery;
    try {
      d = await session.deliver(message, turn.mode ?? o.mode ?? 'plain');
    } catch (err) {
      if (err instanceof SimulateError && err.code === 'SIMULATE_NETWORK')
        throw new ConvoNetworkError(err.message, c.file, turn.line);
      throw err;
    }
    const result: TurnResult = {
      line: turn.line,
      send: turn.source,
      user,
      ...judgeTurn(turn, d),
      problems: d.problems,
      warnings: d.warnings,
      ms: d.ms,
    };
    if (d.error !== undefined) result.error = d.error;
    results.push(result);
  }
  return results;
}

/**
 * Runs every turn, also after a failure (each failing turn is reported, and `--update` can rewrite
 * them all). Throws ConvoNetworkError when the server cannot be reached.
 */
export async function runConversation(
  c: Conversation,
  target: Target,
  o: RunConversationOptions = {},
): Promise<ConversationResult> {
  const start = performance.now();
  const clock = clockFor(c, target, o);
  const run = async () => {
    const session = target.open();
    try {
      return await runTurns(c, session, o, clock);
    } finally {
      await session.close();
    }
  };
  const turns = clock ? await clock.run(run) : await run();
  return {
    file: c.file,
    name: c.name,
    line: c.line,
    ok: turns.every((t) => t.ok),
    turns,
    ms: Math.round(performance.now() - start),
  };
}
