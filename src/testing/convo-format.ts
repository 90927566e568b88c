/**
 * formatConvo: writes exchanges as a conversation file whose replies are exact expectations. Used by
 * `wxbot history --convo`, `wxbot simulate --save`, `--update`, and the web UI's "save conversation".
 */
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { ParsedReply } from '../simulate/reply-checks.js';
import { replyLines } from './convo-expect.js';
import { escapeSendText, messageLine } from './convo-kinds.js';

/** A reply: a text, a reply object with WeChat's field names, or null for none (`success`). */
export type ConvoReplyInput = string | ReplyBody | ParsedReply | null;

export interface ConvoTurnInput {
  /** The user's OpenID; a change of user writes an `@user` line. */
  user?: string;
  /** What the user sent: a text, or the message itself (any kind). */
  send: string | WechatMessage;
  /**
   * What the bot answered. Omitted: the turn gets no `<` line (only WeChat's rules are checked).
   * Several replies: the first is the expectation, the rest are written as comments.
   */
  replies?: ConvoReplyInput | ConvoReplyInput[];
}

export interface FormatConvoOptions {
  /** Written as the first comment, which names the conversation. */
  name?: string;
}

function lines(reply: ConvoReplyInput): string[] {
  if (reply === null) return replyLines({ reply: null, ack: 'success' });
  if (typeof reply === 'string') return replyLines({ reply: { MsgType: 'text', Content: reply }, ack: null });
  return replyLines({ reply, ack: null });
}

function isEmptyText(send: string | WechatMessage): boolean {
  const text = typeof send === 'string' ? send : send.MsgType === 'text' ? send.Content : undefined;
  return typeof text === 'string' && text.trim() === '';
}

/** The conversation file for these turns: `> ` lines, `< ` lines, `@user` where the user changes. */
export function formatConvo(turns: readonly ConvoTurnInput[], options: FormatConvoOptions = {}): string {
  const out: string[] = [];
  if (options.name) out.push(`# ${options.name.replace(/\s*\n\s*/g, ' ')}`, '');
  let user: string | undefined;
  for (const t of turns) {
    if (isEmptyText(t.send)) {
      // No line can send it (WeChat never does): the turn and its reply would fail the whole file.
      out.push('# left out: an empty text message (WeChat sends none) and its reply', '');
      continue;
    }
    if (t.user !== undefined && t.user !== user) {
      out.push(`@user ${t.user}`);
      user = t.user;
    }
    out.push(`> ${typeof t.send === 'string' ? escapeSendText(t.send) : messageLine(t.send)}`);
    if (t.replies !== undefined) {
      const [first, ...rest] = Array.isArray(t.replies) ? t.replies : [t.replies];
      if (first !== undefined) for (const l of lines(first)) out.push(l === '' ? '<' : `< ${l}`);
      for (const r of rest) out.push(`# later: ${lines(r).join(' / ')}`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
