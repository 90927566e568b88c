/**
 * Reads a conversation file (`*.convo`): one turn a line, `> ` what the user sends, `< ` what the
 * bot must answer, `# ` comments (the first one names the conversation), `@setting value` lines, and
 * `---` between conversations of one file. Every mistake is reported with its line number.
 */
import { WxbotError } from '../protocol/errors.js';
import { withoutBom } from '../protocol/utf8.js';
import type { SimulateMode } from '../simulate/push.js';
import { type Expectation, parseExpectation } from './convo-expect.js';
import { parseSendKind, type SendStep, textStep, unescapeSendText } from './convo-kinds.js';

/** One `>` line and the `<` lines after it. */
export interface ConvoTurn {
  /** 1-based line of the `>` line. */
  line: number;
  /** The `>` line's text, as written (for reports). */
  source: string;
  step: SendStep;
  /** The `@user` in force; undefined = the conversation's default user. */
  user?: string;
  /** The `@account` (ToUserName) in force. */
  account?: string;
  mode?: SimulateMode;
  /** Undefined when the turn has no `<` lines: then only WeChat's own rules are checked. */
  expect?: Expectation;
  /** Lines of the `<` block, for `--update`. */
  expectFrom?: number;
  expectTo?: number;
}

export interface Conversation {
  file: string;
  /** The first comment, else the file name (and its number when the file holds several). */
  name: string;
  /** Line where it starts. */
  line: number;
  turns: ConvoTurn[];
  /** `@clock`: start a fake clock at this time (ms since the epoch). */
  clock?: number;
}

export interface ConvoProblem {
  line: number;
  message: string;
}

/** A file that is not a valid conversation file; `problems` lists every bad line. */
export class ConvoSyntaxError extends WxbotError {
  readonly file: string;
  readonly problems: ConvoProblem[];
  constructor(file: string, problems: ConvoProblem[]) {
    super('CONVO_SYNTAX', problems.map((p) => `${file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'ConvoSyntaxError';
    this.file = file;
    this.problems = problems;
  }
}

const MODES: readonly string[] = ['plain', 'compat', 'safe'];

/** `@clock now`, an ISO date (`2026-01-01T09:00:00+08:00`), or milliseconds since the epoch. */
export function parseClock(v: string): number {
  if (v === 'now') return Date.now();
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t))
    throw new Error(`@clock takes "now", a date like 2026-01-01T09:00:00+08:00, or ms; got "${v}"`);
  return t;
}

/** Strips the marker and at most one space after it. */
const after = (raw: string, marker: string): string => raw.slice(marker.length).replace(/^ /, '');

class Builder {
  readonly conversations: Conversation[] = [];
  readonly problems: ConvoProblem[] = [];
  current!: Conversation;
  named = false;
  user: string | undefined;
  account: string | undefined;
  mode: SimulateMode | undefined;
  /** The `<` lines waiting to be read into the last turn's expectation. */
  pending: { from: number; lines: string[] } | undefined;

  constructor(readonly file: string) {
    this.start(1);
  }

  start(line: number): void {
    this.current = { file: this.file, name: '', line, turns: [] };
    this.conversations.push(this.current);
    this.named = false;
    this.user = this.account = this.mode = undefined;
  }

  fail(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  /** Closes the `<` block of the last turn. */
  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    const turn = this.current.turns.at(-1)!;
    try {
      turn.expect = parseExpectation(p.lines);
      turn.expectFrom = p.from;
      turn.expectTo = p.from + p.lines.length - 1;
    } catch (err) {
      this.fail(p.from, (err as Error).message);
    }
  }

  setting(n: number, text: string): void {
    const [key = '', ...rest] = text.slice(1).trim().split(/\s+/);
    const value = rest.join(' ');
    if (!value) return void this.fail(n, `@${key} needs a value`);
    switch (key) {
      case 'user':
        this.user = value;
        return;
      case 'account':
        this.account = value;
        return;
      case 'mode':
        if (!MODES.includes(value)) return void this.fail(n, `@mode is plain, compat or safe, got "${value}"`);
        this.mode = value as SimulateMode;
        return;
      case 'clock':
        if (this.current.turns.length > 0)
          return void this.fail(n, '@clock goes before the first turn; later, use `> [wait 25h]`');
        try {
          this.current.clock = parseClock(value);
        } catch (err) {
          this.fail(n, (err as Error).message);
        }
        return;
      default:
        this.fail(n, `unknown setting @${key}: use @user, @account, @mode or @clock`);
    }
  }

  send(n: number, raw: string): void {
    const written = after(raw, '>');
    let step: SendStep;
    try {
      const inner = /^\[(.*)\]$/.exec(written.trim());
      step = inner ? parseSendKind(inner[1]!) : textStep(unescapeSendText(written));
    } catch (err) {
      return void this.fail(n, (err as Error).message);
    }
    const turn: ConvoTurn = { line: n, source: written, step };
    if (this.user !== undefined) turn.user = this.user;
    if (this.account !== undefined) turn.account = this.account;
    if (this.mode !== undefined) turn.mode = this.mode;
    this.current.turns.push(turn);
  }

  expect(n: number, raw: string): void {
    const turn = this.current.turns.at(-1);
    if (!turn) return void this.fail(n, 'a `<` reply line needs a `>` line before it');
    if (turn.step.kind === 'wait')
      return void this.fail(n, '[wait] sends nothing, so nothing can be expected after it');
    if (turn.expect !== undefined)
      return void this.fail(
        n,
        'this turn already has its reply; a reply of several lines is written without blank lines between',
      );
    if (this.pending && this.pending.from + this.pending.lines.length !== n) {
      return void this.fail(
        n,
        'a reply of several lines is written without blank lines or comments between its `<` lines',
      );
    }
    if (!this.pending) this.pending = { from: n, lines: [] };
    this.pending.lines.push(after(raw, '<'));
  }
}

/** Parses one file's text; throws ConvoSyntaxError listing every bad line. */
export function parseConvo(text: string, file = 'conversation.convo'): Conversation[] {
  const b = new Builder(file);
  const lines = withoutBom(text).split('\n');
  for (const [i, rawLine] of lines.entries()) {
    const n = i + 1;
    // Indentation is allowed; what follows the marker is kept as written.
    const raw = rawLine.replace(/\r$/, '').trimStart();
    const t = raw.trim();
    if (!raw.startsWith('<')) b.flush();
    if (t === '') continue;
    if (t === '---') {
      if (b.current.turns.length > 0) b.start(n + 1);
      continue;
    }
    if (t.startsWith('#')) {
      if (!b.named && b.current.turns.length === 0) {
        b.current.name = t.replace(/^#+\s*/, '');
        b.named = b.current.name !== '';
      }
      continue;
    }
    if (raw.startsWith('>')) {
      b.send(n, raw);
      continue;
    }
    if (raw.startsWith('<')) {
      b.expect(n, raw);
      continue;
    }
    if (t.startsWith('@')) {
      b.setting(n, t);
      continue;
    }
    b.fail(
      n,
      `expected \`> message\`, \`< reply\`, \`# comment\`, \`@setting value\` or \`---\`, got "${t.slice(0, 40)}"`,
    );
  }
  b.flush();
  const found = b.conversations.filter((c) => c.turns.length > 0);
  const base = file
    .split(/[\\/]/)
    .pop()!
    .replace(/\.convo$/, '');
  found.forEach((c, i) => {
    if (!c.name) c.name = found.length > 1 ? `${base} #${i + 1}` : base;
  });
  if (b.problems.length) throw new ConvoSyntaxError(file, b.problems);
  return found;
}
