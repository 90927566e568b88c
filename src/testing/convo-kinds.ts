/**
 * The `> [kind args…]` lines of a conversation file, read in both directions: a line becomes a
 * message when a test runs; a recorded message becomes a line when `history --convo` or
 * `simulate --save` writes one. The kinds are the table of src/simulate/kinds.ts.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { LINE_KIND_NAMES, readKindWords } from '../simulate/kind-line.js';
import { nonEmptyText } from '../simulate/kinds.js';
import * as m from '../simulate/messages.js';

/** Every word that may open a `> [ ]` line, for error messages: the kinds (src/simulate/kinds.ts) and `wait`. */
export const SEND_KIND_NAMES = [...LINE_KIND_NAMES, 'wait'];

/** What a `> […]` line asks for: a message to send, or time to let pass. */
export type SendStep = { kind: 'message'; build: (u: m.SimulatedUser) => WechatMessage } | { kind: 'wait'; ms: number };

/** A `> text` line's step; a blank text is refused now, so the error gets its line number. */
export function textStep(content: string): SendStep {
  nonEmptyText(content, m, {});
  return { kind: 'message', build: (u) => nonEmptyText(content, m, u) };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `25h`, `2d`, `1500ms`, or bare seconds. */
export function parseDuration(s: string): number {
  const r = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)?$/.exec(s.trim());
  if (!r) throw new Error(`a duration is a number with ms, s, m, h or d (e.g. 25h), got "${s}"`);
  return Math.round(Number(r[1]) * UNITS[r[2] ?? 's']!);
}

/**
 * Reads what is inside the brackets of `> [kind args… --flag value]`: `[wait DURATION]`, or a kind
 * with the words and options of its `wxbot simulate` subcommand (readKindWords). Throws an Error
 * whose message is meant for the user.
 */
export function parseSendKind(inner: string): SendStep {
  const words = inner.trim().split(/\s+/).filter(Boolean);
  if ((words[0] ?? '').toLowerCase() === 'wait') {
    if (words.length !== 2) throw new Error('usage: [wait DURATION], e.g. [wait 25h]');
    return { kind: 'wait', ms: parseDuration(words[1]!) };
  }
  const send = readKindWords(words, m);
  return { kind: 'message', build: (u) => send.build(m, u) };
}

const get = (msg: WechatMessage, field: string): string => {
  const v = (msg as unknown as Record<string, unknown>)[field];
  return v === undefined || v === null ? '' : String(v);
};

const words = (...parts: string[]): string => parts.filter((p) => p !== '').join(' ');

/**
 * `--media-id X` for a field the reply may depend on, so the recorded turn sends it again; nothing
 * for a default (`unless`) or a value that a line cannot carry.
 */
function option(msg: WechatMessage, flag: string, field: string, unless?: string): string {
  const v = get(msg, field);
  return v === '' || v === unless || /\s/.test(v) ? '' : `--${flag} ${v}`;
}

/** The bracketed form of a message that is not plain text: `[location 39.9 116.4 天安门]`. */
function eventLine(msg: WechatMessage): string {
  const ev = get(msg, 'Event');
  const key = get(msg, 'EventKey');
  switch (ev.toLowerCase()) {
    case 'subscribe':
      return words('[subscribe', key.replace(/^qrscene_/, '')).concat(']');
    case 'unsubscribe':
      return '[unsubscribe]';
    case 'scan':
      return `[scan ${key}]`;
    case 'click':
      return `[click ${key}]`;
    case 'view':
      return `[view ${key}]`;
    case 'view_miniprogram':
      return `[view_miniprogram ${key}]`;
    case 'location':
      return `[location_event ${get(msg, 'Latitude')} ${get(msg, 'Longitude')}]`;
    case 'scancode_push':
    case 'scancode_waitmsg': {
      const info = (msg as { ScanCodeInfo?: { ScanResult?: string } }).ScanCodeInfo;
      return `${words(`[${ev}`, key, info?.ScanResult ?? '')}]`;
    }
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin': {
      const info = (msg as { SendPicsInfo?: { Count?: number } }).SendPicsInfo;
      return `${words(`[${ev}`, key, String(info?.Count ?? 1))}]`;
    }
    case 'location_select': {
      const info = (msg as { SendLocationInfo?: Record<string, unknown> }).SendLocationInfo ?? {};
      return `${words(`[location_select ${key}`, String(info.Location_X ?? 0), String(info.Location_Y ?? 0), String(info.Label ?? ''))}]`;
    }
    case 'templatesendjobfinish':
    case 'masssendjobfinish':
      return `${words(`[${ev.toLowerCase()}`, get(msg, 'Status'))}]`;
    default: {
      const head = new Set(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event']);
      const extra = Object.entries(msg)
        .filter(([k, v]) => !head.has(k) && (typeof v === 'string' || typeof v === 'number'))
        .map(([k, v]) => `${k}=${v}`);
      return `${words(`[event ${ev}`, ...extra)}]`;
    }
  }
}

/** The text after `> ` for a message: its Content for text, else the bracketed form. */
export function messageLine(msg: WechatMessage): string {
  switch (msg.MsgType) {
    case 'text':
      return escapeSendText(get(msg, 'Content'));
    case 'image':
      return `${words(`[image ${get(msg, 'PicUrl')}`, option(msg, 'media-id', 'MediaId'))}]`;
    case 'voice':
      return `${words('[voice', get(msg, 'Recognition'), option(msg, 'format', 'Format', 'amr'), option(msg, 'media-id', 'MediaId'))}]`;
    case 'video':
    case 'shortvideo':
      return `${words(`[${msg.MsgType}`, option(msg, 'media-id', 'MediaId'), option(msg, 'thumb-media-id', 'ThumbMediaId'))}]`;
    case 'location':
      return `${words('[location', get(msg, 'Location_X'), get(msg, 'Location_Y'), get(msg, 'Label'), option(msg, 'scale', 'Scale', '15'))}]`;
    case 'link':
      return `${words('[link', get(msg, 'Url'), get(msg, 'Title') === get(msg, 'Url') ? '' : get(msg, 'Title'))}]`;
    case 'event':
      return eventLine(msg);
    default:
      return `[text ${get(msg, 'Content')}]`;
  }
}

/**
 * A text to send, as written after `> `: a backslash keeps a leading `[` or `\` literal, and a
 * newline (WeChat text can hold several lines) is written `\n`.
 */
export function escapeSendText(text: string): string {
  const body = text.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
  return body.startsWith('[') ? `\\${body}` : body;
}

/** The inverse of escapeSendText. */
export function unescapeSendText(written: string): string {
  const s = written.startsWith('\\[') ? written.slice(1) : written;
  return s.replace(/\\(\\|n)/g, (_all, c: string) => (c === 'n' ? '\n' : '\\'));
}
