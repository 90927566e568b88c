/**
 * Every message and event a simulated user can send, one row each, read like a table of contents of
 * WeChat's pushes (protocol.md §4). It is the one list behind `wxbot simulate`'s subcommands
 * (src/cli/simulate-kinds.ts), the chat's `/kind …` lines and a conversation file's `> [kind …]`
 * lines (kind-line.ts), and of the phone of `wxbot ui`, so a new kind is added here once: how it is
 * typed (`build`) and how a recorded message is written back as a line (`recorded`). Builders get the
 * messages module as an argument: the CLI lists kinds for `--help` without loading it.
 */
import type { WechatMessage } from '../protocol/messages.js';
import { coordinateProblem } from './coordinates.js';
import { DEFAULT_MINIPROGRAM_MENU_ID, DEFAULT_VIEW_MENU_ID } from './ids.js';
import type * as Messages from './messages.js';

/** What a user typed that no WeChat client would send (a blank text, a latitude of 200). */
export class KindInputError extends Error {
  override name = 'KindInputError';
}

/** Option values by their camelCase name (`--media-id` → `mediaId`), as commander gives them. */
export type KindOptions = Record<string, string | undefined>;
type Build = (m: typeof Messages, args: string[], o: KindOptions, u: Messages.SimulatedUser) => WechatMessage;

export interface SendKind {
  /** The subcommand's name (under `wxbot simulate event` for events). */
  name: string;
  event: boolean;
  /** Other subcommand names (WeChat's own upper-case event names). */
  aliases?: string[];
  /**
   * The name a line uses (`/location_event`, `[location_event …]`) where the subcommand's would be
   * taken: a line has no `event` level to tell the location event from the location message.
   */
  lineName?: string;
  /** Positional arguments in commander's syntax, e.g. `<lat> <lng>`, `<content...>`. */
  args: string;
  summary: string;
  options?: [flags: string, description: string][];
  /**
   * The option (its flag without dashes) that the words after the arguments fill in a line:
   * `/voice 今天天气` is `voice --recognition 今天天气`.
   */
  words?: string;
  example: string;
  build: Build;
  /**
   * The words after the kind's name that send `msg` again, as `history --convo` and
   * `simulate --save` write a turn: its arguments, the words its `words` option takes, and
   * `--flag value` for fields a reply may echo (a MediaId). Empty words are left out.
   */
  recorded(field: Field, msg: WechatMessage): string[];
}

/** A message's field as text (`''` when absent); a dotted name reads inside (`ScanCodeInfo.ScanResult`). */
export type Field = (name: string) => string;

/** `--flag value` for a field a reply may depend on; nothing for its default or a value with spaces (one word each). */
const flag = (name: string, value: string, unless?: string): string[] =>
  value === '' || value === unless || /\s/.test(value) ? [] : [`--${name}`, value];

function num(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n))
    throw new KindInputError(`${what} must be a number, got "${v ?? ''}"`);
  return n;
}

/** A value WeChat never sends empty (a QR scene, a menu key). */
function filled(v: string | undefined, what: string): string {
  if (v === undefined || v.trim() === '') throw new KindInputError(`${what} must not be empty`);
  return v;
}

/** A latitude or longitude as a phone reports them. */
function coordinate(v: string | undefined, what: 'lat' | 'lng'): number {
  const n = num(v, what);
  const problem = coordinateProblem(n, what);
  if (problem) throw new KindInputError(problem);
  return n;
}

/** WeChat's app refuses to send a blank text, so no server ever gets one. */
export function nonEmptyText(content: string, m: typeof Messages, u: Messages.SimulatedUser): WechatMessage {
  if (content.trim() === '') throw new KindInputError('WeChat sends no empty text: give the text to send');
  return m.textMessage(content, u);
}

function fields(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new KindInputError(`event fields are Name=value pairs, got "${p}"`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** A row as written below; `event` comes from the list it is in. */
type Row = Omit<SendKind, 'event'>;

const media: SendKind['options'] = [
  ['--media-id <id>', 'MediaId (default: a random one)'],
  ['--thumb-media-id <id>', 'ThumbMediaId (default: a random one)'],
];

const mediaIds = (f: Field): string[] => [
  ...flag('media-id', f('MediaId')),
  ...flag('thumb-media-id', f('ThumbMediaId')),
];
const eventKey = (f: Field): string[] => [f('EventKey')];

/** A custom event's own fields as Name=value words (those a line can carry). */
function pairs(msg: WechatMessage): string[] {
  const head = new Set(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event']);
  return Object.entries(msg)
    .filter(([k, v]) => !head.has(k) && (typeof v === 'string' || typeof v === 'number'))
    .map(([k, v]) => `${k}=${v}`);
}

const MESSAGES: Row[] = [
  {
    name: 'text',
    args: '<content...>',
    summary: 'a text message',
    example: 'text 你好',
    build: (m, a, _o, u) => nonEmptyText(a.join(' '), m, u),
    recorded: (f) => [f('Content')],
  },
  {
    name: 'image',
    args: '<url>',
    summary: 'a picture',
    options: [['--media-id <id>', 'MediaId (default: a random one)']],
    example: 'image https://example.com/cat.jpg',
    build: (m, a, o, u) => m.imageMessage(a[0]!, u, o.mediaId),
    recorded: (f) => [f('PicUrl'), ...flag('media-id', f('MediaId'))],
  },
  {
    name: 'voice',
    args: '',
    summary: 'a voice message',
    example: 'voice --recognition 今天天气怎么样',
    options: [
      ['--recognition <text>', 'speech recognition result (omit: recognition off)'],
      ['--format <format>', 'amr (default) or speex'],
      ['--media-id <id>', 'MediaId'],
    ],
    words: 'recognition',
    build: (m, _a, o, u) => m.voiceMessage({ recognition: o.recognition, format: o.format, mediaId: o.mediaId }, u),
    recorded: (f) => [f('Recognition'), ...flag('format', f('Format'), 'amr'), ...flag('media-id', f('MediaId'))],
  },
  {
    name: 'video',
    args: '',
    summary: 'a video',
    options: media,
    example: 'video',
    build: (m, _a, o, u) => m.videoMessage({ mediaId: o.mediaId, thumbMediaId: o.thumbMediaId }, u),
    recorded: mediaIds,
  },
  {
    name: 'shortvideo',
    args: '',
    summary: 'a short video',
    options: media,
    example: 'shortvideo',
    build: (m, _a, o, u) => m.shortVideoMessage({ mediaId: o.mediaId, thumbMediaId: o.thumbMediaId }, u),
    recorded: mediaIds,
  },
  {
    name: 'location',
    args: '<lat> <lng>',
    summary: 'a location',
    example: 'location 23.134521 113.358803 --label 广州塔',
    options: [
      ['--label <label>', 'place name'],
      ['--scale <zoom>', 'map zoom (default 15)'],
    ],
    words: 'label',
    build: (m, a, o, u) =>
      m.locationMessage(
        coordinate(a[0], 'lat'),
        coordinate(a[1], 'lng'),
        { label: o.label, scale: o.scale ? num(o.scale, 'scale') : undefined },
        u,
      ),
    recorded: (f) => [f('Location_X'), f('Location_Y'), f('Label'), ...flag('scale', f('Scale'), '15')],
  },
  {
    name: 'link',
    args: '<url>',
    summary: 'a link (shared article)',
    example: 'link https://example.com/a --title "An article"',
    options: [
      ['--title <title>', 'link title (default: the URL)'],
      ['--description <text>', 'link description'],
    ],
    words: 'title',
    build: (m, a, o, u) => m.linkMessage(a[0]!, { title: o.title, description: o.description }, u),
    recorded: (f) => [f('Url'), f('Title') === f('Url') ? '' : f('Title')],
  },
];

const pic = (name: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin', summary: string): Row => ({
  name,
  args: '<key>',
  summary,
  options: [['--count <n>', 'number of pictures (default 1)']],
  words: 'count',
  example: `event ${name} PIC_KEY --count 2`,
  build: (m, a, o, u) => m.picEvent(name, a[0]!, { count: o.count ? num(o.count, 'count') : undefined }, u),
  recorded: (f) => [f('EventKey'), f('SendPicsInfo.Count') || '1'],
});

const scancode = (name: 'scancode_push' | 'scancode_waitmsg', summary: string): Row => ({
  name,
  args: '<key>',
  summary,
  example: `event ${name} SCAN_KEY --scan-result https://example.com/x`,
  options: [
    ['--scan-result <text>', 'what the code contained'],
    ['--scan-type <type>', 'qrcode (default) or barcode'],
  ],
  words: 'scan-result',
  build: (m, a, o, u) => m.scanCodeEvent(name, a[0]!, { result: o.scanResult, scanType: o.scanType }, u),
  recorded: (f) => [
    f('EventKey'),
    f('ScanCodeInfo.ScanResult'),
    ...flag('scan-type', f('ScanCodeInfo.ScanType'), 'qrcode'),
  ],
});

const EVENTS: Row[] = [
  {
    name: 'subscribe',
    args: '',
    summary: 'a follow (through a parametric QR code with --scene)',
    options: [['--scene <scene>', 'QR scene: EventKey becomes qrscene_<scene>']],
    words: 'scene',
    example: 'event subscribe --scene 123',
    build: (m, _a, o, u) => m.subscribeEvent(o.scene === undefined ? undefined : filled(o.scene, 'scene'), u),
    recorded: (f) => [f('EventKey').replace(/^qrscene_/, '')],
  },
  {
    name: 'unsubscribe',
    args: '',
    summary: 'an unfollow',
    example: 'event unsubscribe',
    build: (m, _a, _o, u) => m.unsubscribeEvent(u),
    recorded: () => [],
  },
  {
    name: 'scan',
    aliases: ['SCAN'],
    args: '<scene>',
    summary: 'a follower scanning a parametric QR code',
    example: 'event scan 123',
    build: (m, a, _o, u) => m.scanEvent(filled(a[0], 'scene'), u),
    recorded: eventKey,
  },
  {
    name: 'click',
    aliases: ['CLICK'],
    args: '<key>',
    summary: 'a tap on a menu click button',
    example: 'event click V1001_TODAY_MUSIC',
    build: (m, a, _o, u) => m.clickEvent(filled(a[0], 'key'), u),
    recorded: eventKey,
  },
  {
    name: 'view',
    aliases: ['VIEW'],
    args: '<url>',
    summary: 'a tap on a menu link',
    options: [['--menu-id <id>', 'MenuId']],
    example: 'event view https://example.com',
    build: (m, a, o, u) => m.viewEvent(a[0]!, { menuId: o.menuId }, u),
    recorded: (f) => [f('EventKey'), ...flag('menu-id', f('MenuId'), DEFAULT_VIEW_MENU_ID)],
  },
  {
    name: 'view_miniprogram',
    args: '<pagepath>',
    summary: 'a tap on a menu mini-program button',
    options: [['--menu-id <id>', 'MenuId']],
    example: 'event view_miniprogram pages/index/index',
    build: (m, a, o, u) => m.viewMiniprogramEvent(a[0]!, { menuId: o.menuId }, u),
    recorded: (f) => [f('EventKey'), ...flag('menu-id', f('MenuId'), DEFAULT_MINIPROGRAM_MENU_ID)],
  },
  {
    name: 'location',
    aliases: ['LOCATION'],
    lineName: 'location_event',
    args: '<lat> <lng>',
    summary: 'an automatic location report',
    options: [['--precision <m>', 'precision (default 65)']],
    words: 'precision',
    example: 'event location 23.137466 113.352425',
    build: (m, a, o, u) =>
      m.locationEvent(
        coordinate(a[0], 'lat'),
        coordinate(a[1], 'lng'),
        { precision: o.precision ? num(o.precision, 'precision') : undefined },
        u,
      ),
    recorded: (f) => [f('Latitude'), f('Longitude'), ...flag('precision', f('Precision'), '65')],
  },
  scancode('scancode_push', 'a code scanned through a menu button (the client shows the result)'),
  scancode('scancode_waitmsg', 'a code scanned through a menu button (waits for your reply)'),
  pic('pic_sysphoto', 'a photo from the camera, through a menu button'),
  pic('pic_photo_or_album', 'a picture from the camera or album, through a menu button'),
  pic('pic_weixin', 'a picture from the WeChat album, through a menu button'),
  {
    name: 'location_select',
    args: '<key> <lat> <lng>',
    summary: 'a place picked through a menu button',
    example: 'event location_select LOC_KEY 23.13 113.35 --label 广州塔',
    options: [
      ['--label <label>', 'place name'],
      ['--poiname <name>', 'POI name (default: the label)'],
    ],
    words: 'label',
    build: (m, a, o, u) =>
      m.locationSelectEvent(
        a[0]!,
        coordinate(a[1], 'lat'),
        coordinate(a[2], 'lng'),
        { label: o.label, poiname: o.poiname ?? o.label },
        u,
      ),
    recorded: (f) => [
      f('EventKey'),
      f('SendLocationInfo.Location_X') || '0',
      f('SendLocationInfo.Location_Y') || '0',
      f('SendLocationInfo.Label'),
    ],
  },
  {
    name: 'templatesendjobfinish',
    aliases: ['TEMPLATESENDJOBFINISH'],
    args: '',
    summary: 'a template message delivery report',
    options: [['--status <status>', 'success (default), "failed:user block"…']],
    words: 'status',
    example: 'event templatesendjobfinish',
    build: (m, _a, o, u) => m.templateSendJobFinishEvent({ status: o.status }, u),
    recorded: (f) => [f('Status')],
  },
  {
    name: 'masssendjobfinish',
    aliases: ['MASSSENDJOBFINISH'],
    args: '',
    summary: 'a mass send report',
    options: [['--status <status>', '"send success" (default), "send fail"…']],
    words: 'status',
    example: 'event masssendjobfinish',
    build: (m, _a, o, u) => m.massSendJobFinishEvent({ status: o.status }, u),
    recorded: (f) => [f('Status')],
  },
  {
    name: 'custom',
    lineName: 'event',
    args: '<event> [fields...]',
    summary: 'any other event, with Field=value pairs',
    example: 'event custom kf_create_session KfAccount=test1@test',
    build: (m, a, _o, u) => m.customEvent(a[0]!, fields(a.slice(1)), u),
    recorded: (f, msg) => [f('Event'), ...pairs(msg)],
  },
];

/** The message kinds, then the events: every row. */
export const SEND_KINDS: readonly SendKind[] = [
  ...MESSAGES.map((k) => ({ ...k, event: false })),
  ...EVENTS.map((k) => ({ ...k, event: true })),
];

/** `media-id` → `mediaId`: the key commander (and a line) files an option's value under. */
export const optionKey = (flag: string): string => flag.replace(/-([a-z])/g, (_all, c: string) => c.toUpperCase());
