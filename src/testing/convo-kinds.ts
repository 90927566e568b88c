/**
 * The `> [kind args…]` lines of a conversation file: one row per message or event a user can send,
 * read in both directions (a line becomes a message when a test runs; a recorded message becomes a
 * line when `history --convo` or `simulate --save` writes one).
 */
import type { WechatMessage } from '../protocol/messages.js';
import { coordinateProblem } from '../simulate/coordinates.js';
import * as m from '../simulate/messages.js';

/** `--media-id X` in the brackets, by flag name without the dashes: `{ 'media-id': 'X' }`. */
type Options = Record<string, string | undefined>;
type Build = (args: string[], o: Options, u: m.SimulatedUser) => WechatMessage;

interface SendKind {
  /** Lower-case name written in the brackets; `aliases` are accepted too. */
  name: string;
  aliases?: string[];
  /** Shown in errors: `[location LAT LNG label… --scale N]`. */
  usage: string;
  /** Fewest words after the name (options not counted). */
  min: number;
  /**
   * The `--flag value` options it takes, named as `wxbot simulate` names them: the fields a reply
   * may echo (a MediaId), which a recorded turn must send again as they were.
   */
  options?: string[];
  build: Build;
}

const num = (v: string | undefined, what: string): number => {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n))
    throw new Error(`${what} must be a number, got "${v ?? ''}"`);
  return n;
};

const coord = (v: string | undefined, axis: 'lat' | 'lng'): number => {
  const n = num(v, axis.toUpperCase());
  const problem = coordinateProblem(n, axis);
  if (problem) throw new Error(problem);
  return n;
};

const rest = (args: string[], from: number): string | undefined =>
  args.length > from ? args.slice(from).join(' ') : undefined;

const pic = (name: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin'): SendKind => ({
  name,
  usage: `[${name} KEY count]`,
  min: 1,
  build: (a, _o, u) => m.picEvent(name, a[0]!, { count: a[1] ? num(a[1], 'count') : undefined }, u),
});

const scancode = (name: 'scancode_push' | 'scancode_waitmsg'): SendKind => ({
  name,
  usage: `[${name} KEY result…]`,
  min: 1,
  build: (a, _o, u) => m.scanCodeEvent(name, a[0]!, { result: rest(a, 1) }, u),
});

function fields(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`event fields are Name=value pairs, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** WeChat never pushes a blank text (its app refuses to send one): a test sending one tests nothing real. */
function nonEmptyText(content: string, u: m.SimulatedUser): WechatMessage {
  if (content.trim() === '') throw new Error('empty message: WeChat sends no empty text');
  return m.textMessage(content, u);
}

const MEDIA = ['media-id', 'thumb-media-id'];

export const SEND_KINDS: SendKind[] = [
  { name: 'text', usage: '[text content…]', min: 0, build: (a, _o, u) => nonEmptyText(a.join(' '), u) },
  {
    name: 'image',
    usage: '[image URL --media-id ID]',
    min: 1,
    options: ['media-id'],
    build: (a, o, u) => m.imageMessage(a[0]!, u, o['media-id']),
  },
  {
    name: 'voice',
    usage: '[voice recognition… --format amr|speex --media-id ID]',
    min: 0,
    options: ['format', 'media-id'],
    build: (a, o, u) => m.voiceMessage({ recognition: rest(a, 0), format: o.format, mediaId: o['media-id'] }, u),
  },
  {
    name: 'video',
    usage: '[video --media-id ID --thumb-media-id ID]',
    min: 0,
    options: MEDIA,
    build: (_a, o, u) => m.videoMessage({ mediaId: o['media-id'], thumbMediaId: o['thumb-media-id'] }, u),
  },
  {
    name: 'shortvideo',
    usage: '[shortvideo --media-id ID --thumb-media-id ID]',
    min: 0,
    options: MEDIA,
    build: (_a, o, u) => m.shortVideoMessage({ mediaId: o['media-id'], thumbMediaId: o['thumb-media-id'] }, u),
  },
  {
    name: 'location',
    usage: '[location LAT LNG label… --scale N]',
    min: 2,
    options: ['scale'],
    build: (a, o, u) =>
      m.locationMessage(
        coord(a[0], 'lat'),
        coord(a[1], 'lng'),
        { label: rest(a, 2), scale: o.scale === undefined ? undefined : num(o.scale, '--scale') },
        u,
      ),
  },
  {
    name: 'link',
    usage: '[link URL title…]',
    min: 1,
    build: (a, _o, u) => m.linkMessage(a[0]!, { title: rest(a, 1) }, u),
  },
  { name: 'subscribe', usage: '[subscribe scene]', min: 0, build: (a, _o, u) => m.subscribeEvent(a[0], u) },
  { name: 'unsubscribe', usage: '[unsubscribe]', min: 0, build: (_a, _o, u) => m.unsubscribeEvent(u) },
  { name: 'scan', usage: '[scan SCENE]', min: 1, build: (a, _o, u) => m.scanEvent(a[0]!, u) },
  { name: 'click', usage: '[click KEY]', min: 1, build: (a, _o, u) => m.clickEvent(a[0]!, u) },
  { name: 'view', usage: '[view URL]', min: 1, build: (a, _o, u) => m.viewEvent(a[0]!, {}, u) },
  {
    name: 'view_miniprogram',
    usage: '[view_miniprogram PAGEPATH]',
    min: 1,
    build: (a, _o, u) => m.viewMiniprogramEvent(a[0]!, {}, u),
  },
  {
    name: 'location_event',
    usage: '[location_event LAT LNG precision]',
    min: 2,
    build: (a, _o, u) =>
      m.locationEvent(
        coord(a[0], 'lat'),
        coord(a[1], 'lng'),
        { precision: a[2] ? num(a[2], 'precision') : undefined },
        u,
      ),
  },
  scancode('scancode_push'),
  scancode('scancode_waitmsg'),
  pic('pic_sysphoto'),
  pic('pic_photo_or_album'),
  pic('pic_weixin'),
  {
    name: 'location_select',
    usage: '[location_select KEY LAT LNG label…]',
    min: 3,
    build: (a, _o, u) =>
      m.locationSelectEvent(
        a[0]!,
        coord(a[1], 'lat'),
        coord(a[2], 'lng'),
        { label: rest(a, 3), poiname: rest(a, 3) },
        u,
      ),
  },
  {
    name: 'templatesendjobfinish',
    usage: '[templatesendjobfinish status…]',
    min: 0,
    build: (a, _o, u) => m.templateSendJobFinishEvent({ status: rest(a, 0) }, u),
  },
  {
    name: 'masssendjobfinish',
    usage: '[masssendjobfinish status…]',
    min: 0,
    build: (a, _o, u) => m.massSendJobFinishEvent({ status: rest(a, 0) }, u),
  },
  {
    name: 'event',
    usage: '[event NAME Field=value…]',
    min: 1,
    build: (a, _o, u) => m.customEvent(a[0]!, fields(a.slice(1)), u),
  },
];

const BY_NAME = new Map(SEND_KINDS.flatMap((k) => [k.name, ...(k.aliases ?? [])].map((n) => [n, k] as const)));

/** Every word that may open a `> [ ]` line, for error messages. */
export const SEND_KIND_NAMES = [...SEND_KINDS.map((k) => k.name), 'wait'];

/** What a `> […]` line asks for: a message to send, or time to let pass. */
export type SendStep = { kind: 'message'; build: (u: m.SimulatedUser) => WechatMessage } | { kind: 'wait'; ms: number };

/** A `> text` line's step; a blank text is refused now, so the error gets its line number. */
export function textStep(content: string): SendStep {
  nonEmptyText(content, {});
  return { kind: 'message', build: (u) => nonEmptyText(content, u) };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `25h`, `2d`, `1500ms`, or bare seconds. */
export function parseDuration(s: string): number {
  const r = /^(\d+(?:\.\d+)?)(ms|s|min|m|h|d)?$/.exec(s.trim());
  if (!r) throw new Error(`a duration is a number with ms, s, m, h or d (e.g. 25h), got "${s}"`);
  return Math.round(Number(r[1]) * UNITS[r[2] ?? 's']!);
}

/** Takes the kind's `--flag value` pairs out of its words; a flag it does not take is an error. */
function splitOptions(k: SendKind, words: string[]): { args: string[]; options: Options } {
  const args: string[] = [];
  const options: Options = {};
  if (!k.options) return { args: words, options };
  for (let i = 0; i < words.length; i++) {
    const flag = /^--([a-z][a-z0-9-]*)$/i.exec(words[i]!)?.[1];
    if (flag === undefined) args.push(words[i]!);
    else if (!k.options.includes(flag))
      throw new Error(`[${k.name}] takes ${k.options.map((o) => `--${o}`).join(', ')}, not --${flag}: ${k.usage}`);
    else if (i + 1 >= words.length) throw new Error(`--${flag} needs a value: ${k.usage}`);
    else options[flag] = words[++i];
  }
  return { args, options };
}

/**
 * Reads what is inside the brackets of `> [kind args… --flag value]`. The words are split on spaces;
 * the last argument of kinds that take a label or title keeps its spaces. Throws an Error whose
 * message is meant for the user.
 */
export function parseSendKind(inner: string): SendStep {
  const words = inner.trim().split(/\s+/).filter(Boolean);
  const name = (words[0] ?? '').toLowerCase();
  if (name === 'wait') {
    const args = words.slice(1);
    if (args.length !== 1) throw new Error('usage: [wait DURATION], e.g. [wait 25h]');
    return { kind: 'wait', ms: parseDuration(args[0]!) };
  }
  const k = BY_NAME.get(name);
  if (!k) throw new Error(`unknown kind "[${words[0] ?? ''}]": use one of ${SEND_KIND_NAMES.join(', ')}`);
  const { args, options } = splitOptions(k, words.slice(1));
  if (args.length < k.min) throw new Error(`usage: ${k.usage}`);
  // Bad numbers are found now, with the line number, not when the turn runs.
  k.build(args, options, {});
  return { kind: 'message', build: (u) => k.build(args, options, u) };
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
