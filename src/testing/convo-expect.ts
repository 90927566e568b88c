/**
 * The `<` lines of a conversation file: what a reply must be, how to check one, and how to write an
 * actual reply back as `<` lines (for `--update`, `history --convo` and the failure report).
 */
import type { ReplyBody, ReplyType } from '../protocol/replies.js';

export type Expectation =
  /** `< text` (several lines joined by newlines): exactly this text reply. */
  | { kind: 'exact'; text: string }
  /** `< ~part`: a reply whose text contains part. */
  | { kind: 'contains'; text: string }
  /** `< /regex/flags`: a reply whose text matches. */
  | { kind: 'regex'; regex: RegExp }
  /** `< [news] title`, `< [image]`…: the reply type, and the first title when given. */
  | { kind: 'type'; type: ReplyType; title?: string }
  /** `< [success]`: no reply (`success` or an empty body). */
  | { kind: 'success' }
  /** `< *`: any reply WeChat accepts. */
  | { kind: 'any' };

/** What the bot answered, as the judge read it. */
export interface ActualReply {
  reply: ReplyBody | null;
  ack: 'success' | '' | null;
}

// `[transfer]` is the short name of transfer_customer_service; `[text]` is any text reply.
const TYPE_NAMES: Record<string, ReplyType> = {
  text: 'text',
  news: 'news',
  image: 'image',
  voice: 'voice',
  video: 'video',
  music: 'music',
  transfer: 'transfer_customer_service',
  transfer_customer_service: 'transfer_customer_service',
};

// A first line starting with one of these would be read as a pattern: written with a backslash.
const MARKER = /^(?:[~/[\\]|\*$)/;

/**
 * Reads the text after `< ` of the lines of one reply. Only exact and `~` texts may span several
 * lines; the continuation lines are taken literally. Throws with a message for the user.
 */
export function parseExpectation(lines: string[]): Expectation {
  const first = lines[0] ?? '';
  const more = lines.length > 1;
  if (first.startsWith('\\')) return { kind: 'exact', text: [first.slice(1), ...lines.slice(1)].join('\n') };
  if (first.startsWith('~'))
    return { kind: 'contains', text: [first.slice(1).trimStart(), ...lines.slice(1)].join('\n') };
  const single = (e: Expectation, what: string): Expectation => {
    if (more) throw new Error(`${what} takes one line; a reply of several lines is matched with plain \`<\` lines`);
    return e;
  };
  if (first === '*') return single({ kind: 'any' }, '`< *`');
  const re = /^\/(.*)\/([a-z]*)$/.exec(first);
  if (re) {
    try {
      return single({ kind: 'regex', regex: new RegExp(re[1]!, re[2]) }, 'a /regex/');
    } catch (err) {
      if (more) throw err;
      throw new Error(`not a valid regular expression: ${(err as Error).message}`);
    }
  }
  const typed = /^\[([a-z_]+)\](?:\s+(.*))?$/i.exec(first);
  if (typed) {
    const name = typed[1]!.toLowerCase();
    const title = typed[2]?.trim() || undefined;
    if (name === 'success') return single({ kind: 'success' }, '`< [success]`');
    const type = TYPE_NAMES[name];
    if (!type) {
      throw new Error(
        `unknown reply type [${typed[1]}]: use [success], ${Object.keys(TYPE_NAMES)
          .slice(0, 7)
          .map((n) => `[${n}]`)
          .join(', ')}`,
      );
    }
    return single(title === undefined ? { kind: 'type', type } : { kind: 'type', type, title }, `\`< [${name}]\``);
  }
  return { kind: 'exact', text: lines.join('\n') };
}

/** The text a `~` or `/regex/` looks into: a text's Content, else the titles and descriptions. */
export function replyText(r: ReplyBody): string {
  switch (r.MsgType) {
    case 'text':
      return r.Content;
    case 'news':
      return r.Articles.map((a) => [a.Title, a.Description].filter(Boolean).join('\n')).join('\n');
    case 'music':
      return [r.Music.Title, r.Music.Description].filter(Boolean).join('\n');
    case 'video':
      return [r.Video.Title, r.Video.Description].filter(Boolean).join('\n');
    case 'transfer_customer_service':
      return r.TransInfo?.KfAccount ?? '';
    default:
      return '';
  }
}

function titleOf(r: ReplyBody): string | undefined {
  if (r.MsgType === 'news') return r.Articles[0]?.Title;
  if (r.MsgType === 'music') return r.Music.Title;
  if (r.MsgType === 'video') return r.Video.Title;
  if (r.MsgType === 'transfer_customer_service') return r.TransInfo?.KfAccount;
  if (r.MsgType === 'text') return r.Content;
  return undefined;
}

/** Whether the reply is what the expectation asks for (the judge's verdict is checked apart). */
export function matchesExpectation(e: Expectation, a: ActualReply): boolean {
  if (e.kind === 'any') return a.reply !== null || a.ack !== null;
  if (e.kind === 'success') return a.reply === null && a.ack !== null;
  const r = a.reply;
  if (!r) return false;
  switch (e.kind) {
    case 'exact':
      return r.MsgType === 'text' && r.Content === e.text;
    case 'contains':
      return replyText(r).includes(e.text);
    case 'regex':
      // A /g or /y regex remembers where it stopped: every check starts from the beginning.
      e.regex.lastIndex = 0;
      return e.regex.test(replyText(r));
    case 'type':
      return r.MsgType === e.type && (e.title === undefined || titleOf(r) === e.title);
  }
}

const SHORT_TYPE: Partial<Record<ReplyType, string>> = { transfer_customer_service: 'transfer' };

/** The `<` lines (text after `< `) that expect exactly this reply; a text is written as is. */
export function replyLines(a: ActualReply): string[] {
  const r = a.reply;
  if (!r) return a.ack !== null ? ['[success]'] : [];
  if (r.MsgType === 'text') {
    const lines = r.Content.split(/\r?\n/);
    if (MARKER.test(lines[0]!)) lines[0] = `\\${lines[0]}`;
    return lines;
  }
  const title = r.MsgType === 'image' || r.MsgType === 'voice' ? undefined : titleOf(r);
  const name = SHORT_TYPE[r.MsgType] ?? r.MsgType;
  return [title ? `[${name}] ${title.replace(/\s*\n\s*/g, ' ')}` : `[${name}]`];
}

/** The `<` lines of an expectation, as they would be written. */
export function expectationLines(e: Expectation): string[] {
  switch (e.kind) {
    case 'any':
      return ['*'];
    case 'success':
      return ['[success]'];
    case 'contains':
      return `~${e.text}`.split('\n');
    case 'regex':
      return [String(e.regex)];
    case 'type':
      return [`[${SHORT_TYPE[e.type] ?? e.type}]${e.title === undefined ? '' : ` ${e.title}`}`];
    case 'exact': {
      const lines = e.text.split('\n');
      if (MARKER.test(lines[0]!)) lines[0] = `\\${lines[0]}`;
      return lines;
    }
  }
}
