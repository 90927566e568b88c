/**
 * The message and event kinds `wxbot simulate` can send: one row per subcommand, read like a
 * table of contents of WeChat's pushes (protocol.md §4). Builders get the messages module
 * lazily so `wxbot --help` never loads it.
 */
import type { Command } from 'commander';
import type { WechatMessage } from '../protocol/messages.js';
import type * as Messages from '../simulate/messages.js';
import { CliError, EXIT } from './errors.js';
import { coordinateProblem } from '../simulate/coordinates.js';

type Opts = Record<string, string | undefined>;
type Build = (m: typeof Messages, args: string[], o: Opts, u: Messages.SimulatedUser) => WechatMessage;

export interface Kind {
  name: string;
  aliases?: string[];
  /** commander argument syntax, e.g. "<lat> <lng>" */
  args: string;
  summary: string;
  options?: [flags: string, description: string][];
  /**
   * In a chat line, the option that words after the arguments fill: `/voice 今天天气` is
   * `voice --recognition 今天天气`, as the chat's shortcuts have always been typed.
   */
  words?: string;
  example: string;
  build: Build;
}

export function num(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n))
    throw new CliError(`${what} must be a number, got "${v ?? ''}"`, EXIT.usage);
  return n;
}

/** A value WeChat never sends empty (a QR scene, a menu key). */
function filled(v: string | undefined, what: string): string {
  if (v === undefined || v.trim() === '') throw new CliError(`${what} must not be empty`, EXIT.usage);
  return v;
}

/** A latitude or longitude as a phone reports them. */
function coordinate(v: string | undefined, what: 'lat' | 'lng'): number {
  const n = num(v, what);
  const problem = coordinateProblem(n, what);
  if (problem) throw new CliError(problem, EXIT.usage);
  return n;
}

const media: Kind['options'] = [
  ['--media-id <id>', 'MediaId (default: a random one)'],
  ['--thumb-media-id <id>', 'ThumbMediaId (default: a random one)'],
];

export const MESSAGE_KINDS: Kind[] = [
  {
    name: 'text',
    args: '<content...>',
    summary: 'a text message',
    example: 'text 你好',
    build: (m, a, _o, u) => {
      // WeChat's app refuses to send a blank text, so no server ever gets one.
      if (a.join(' ').trim() === '')
        throw new CliError('WeChat sends no empty text: give the text to send', EXIT.usage);
      return m.textMessage(a.join(' '), u);
    },
  },
  {
    name: 'image',
    args: '<picUrl>',
    summary: 'a picture',
    options: [['--media-id <id>', 'MediaId (default: a random one)']],
    example: 'image https://example.com/cat.jpg',
    build: (m, a, o, u) => m.imageMessage(a[0]!, u, o.mediaId),
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
  },
  {
    name: 'video',
    args: '',
    summary: 'a video',
    options: media,
    example: 'video',
    build: (m, _a, o, u) => m.videoMessage({ mediaId: o.mediaId, thumbMediaId: o.thumbMediaId }, u),
  },
  {
    name: 'shortvideo',
    args: '',
    summary: 'a short video',
    options: media,
    example: 'shortvideo',
    build: (m, _a, o, u) => m.shortVideoMessage({ mediaId: o.mediaId, thumbMediaId: o.thumbMediaId }, u),
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
        { label: o.label, scale: o.scale ? num(o.scale, '--scale') : undefined },
        u,
      ),
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
  },
];

const pic = (name: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin', summary: string): Kind => ({
  name,
  args: '<key>',
  summary,
  options: [['--count <n>', 'number of pictures (default 1)']],
  example: `event ${name} PIC_KEY --count 2`,
  build: (m, a, o, u) => m.picEvent(name, a[0]!, { count: o.count ? num(o.count, '--count') : undefined }, u),
});

const scancode = (name: 'scancode_push' | 'scancode_waitmsg', summary: string): Kind => ({
  name,
  args: '<key>',
  summary,
  example: `event ${name} SCAN_KEY --scan-result https://example.com/x`,
  options: [
    ['--scan-result <text>', 'what the code contained'],
    ['--scan-type <type>', 'qrcode (default) or barcode'],
  ],
  build: (m, a, o, u) => m.scanCodeEvent(name, a[0]!, { result: o.scanResult, scanType: o.scanType }, u),
});

export const EVENT_KINDS: Kind[] = [
  {
    name: 'subscribe',
    args: '',
    summary: 'a follow (through a parametric QR code with --scene)',
    options: [['--scene <scene>', 'QR scene: EventKey becomes qrscene_<scene>']],
    words: 'scene',
    example: 'event subscribe --scene 123',
    build: (m, _a, o, u) => m.subscribeEvent(o.scene === undefined ? undefined : filled(o.scene, '--scene'), u),
  },
  {
    name: 'unsubscribe',
    args: '',
    summary: 'an unfollow',
    example: 'event unsubscribe',
    build: (m, _a, _o, u) => m.unsubscribeEvent(u),
  },
  {
    name: 'scan',
    aliases: ['SCAN'],
    args: '<scene>',
    summary: 'a follower scanning a parametric QR code',
    example: 'event scan 123',
    build: (m, a, _o, u) => m.scanEvent(filled(a[0], 'scene'), u),
  },
  {
    name: 'click',
    aliases: ['CLICK'],
    args: '<key>',
    summary: 'a tap on a menu click button',
    example: 'event click V1001_TODAY_MUSIC',
    build: (m, a, _o, u) => m.clickEvent(filled(a[0], 'key'), u),
  },
  {
    name: 'view',
    aliases: ['VIEW'],
    args: '<url>',
    summary: 'a tap on a menu link',
    options: [['--menu-id <id>', 'MenuId']],
    example: 'event view https://example.com',
    build: (m, a, o, u) => m.viewEvent(a[0]!, { menuId: o.menuId }, u),
  },
  {
    name: 'view_miniprogram',
    args: '<pagepath>',
    summary: 'a tap on a menu mini-program button',
    options: [['--menu-id <id>', 'MenuId']],
    example: 'event view_miniprogram pages/index/index',
    build: (m, a, o, u) => m.viewMiniprogramEvent(a[0]!, { menuId: o.menuId }, u),
  },
  {
    name: 'location',
    aliases: ['LOCATION'],
    args: '<lat> <lng>',
    summary: 'an automatic location report',
    options: [['--precision <m>', 'precision (default 65)']],
    example: 'event location 23.137466 113.352425',
    build: (m, a, o, u) =>
      m.locationEvent(
        coordinate(a[0], 'lat'),
        coordinate(a[1], 'lng'),
        { precision: o.precision ? num(o.precision, '--precision') : undefined },
        u,
      ),
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
      ['--poiname <name>', 'POI name'],
    ],
    build: (m, a, o, u) =>
      m.locationSelectEvent(
        a[0]!,
        coordinate(a[1], 'lat'),
        coordinate(a[2], 'lng'),
        { label: o.label, poiname: o.poiname },
        u,
      ),
  },
  {
    name: 'templatesendjobfinish',
    aliases: ['TEMPLATESENDJOBFINISH'],
    args: '',
    summary: 'a template message delivery report',
    options: [['--status <status>', 'success (default), "failed:user block"…']],
    example: 'event templatesendjobfinish',
    build: (m, _a, o, u) => m.templateSendJobFinishEvent({ status: o.status }, u),
  },
  {
    name: 'masssendjobfinish',
    aliases: ['MASSSENDJOBFINISH'],
    args: '',
    summary: 'a mass send report',
    options: [['--status <status>', '"send success" (default), "send fail"…']],
    example: 'event masssendjobfinish',
    build: (m, _a, o, u) => m.massSendJobFinishEvent({ status: o.status }, u),
  },
  {
    name: 'custom',
    args: '<event> [fields...]',
    summary: 'any other event, with Field=value pairs',
    example: 'event custom kf_create_session KfAccount=test1@test',
    build: (m, a, _o, u) => m.customEvent(a[0]!, fields(a.slice(1)), u),
  },
];

function fields(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliError(`fields are Name=value pairs, got "${p}"`, EXIT.usage);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

/** A message builder bound to its arguments: what a parsed subcommand (or chat line) asks to send. */
export type BoundBuild = (m: typeof Messages, u: Messages.SimulatedUser) => WechatMessage;
export type OnBuild = (build: BoundBuild, cmd: Command) => void | Promise<void>;

/** The chat's shortcuts for events: `/click KEY` is `/event click KEY`. */
export const CHAT_EVENT_SHORTCUTS = ['subscribe', 'unsubscribe', 'scan', 'click', 'view'];

/** Folds a chat line's trailing words into the option they stand for (`Kind.words`). */
function wordsInto(k: Kind, words: string[] | undefined, opts: Opts): Opts {
  if (!k.words || !words?.length) return opts;
  if (opts[k.words] !== undefined)
    throw new CliError(`the ${k.words} is given twice: as words and as --${k.words}`, EXIT.usage);
  return { ...opts, [k.words]: words.join(' ') };
}

function kindCommand(parent: Command, k: Kind, onBuild: OnBuild, chat: boolean): void {
  const cmd = parent.command(k.name).description(`send ${k.summary}`);
  for (const a of k.aliases ?? []) cmd.alias(a);
  const trailing = chat && k.words !== undefined;
  const args = trailing ? `${k.args} [${k.words}...]`.trim() : k.args;
  if (args) cmd.arguments(args);
  for (const [flags, description] of k.options ?? []) cmd.option(flags, description);
  cmd.addHelpText('after', `\nExamples:\n  $ wxbot simulate ${k.example}\n  $ wxbot simulate ${k.example} --json`);
  cmd.action((...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const processed = [...(self.processedArgs as unknown[])];
    const words = trailing ? (processed.pop() as string[] | undefined) : undefined;
    const args = processed.flat().filter((x): x is string => typeof x === 'string');
    const opts = wordsInto(k, words, self.opts() as Opts);
    return onBuild((m, u) => k.build(m, args, opts, u), self);
  });
}

/**
 * Adds every message kind, and the `event` group, as subcommands of `parent`. For the chat
 * (`chat`), also the event shortcuts at the top, and trailing words for the kinds that take them.
 */
export function addKindCommands(parent: Command, onBuild: OnBuild, chat = false): Command {
  for (const k of MESSAGE_KINDS) kindCommand(parent, k, onBuild, chat);
  const event = parent
    .command('event')
    .description('send an event (follow, QR scan, menu taps, location, reports)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ wxbot simulate event subscribe\n  $ wxbot simulate event click V1001_TODAY_MUSIC\n  $ wxbot simulate event scancode_waitmsg SCAN_KEY --scan-result hello',
    );
  for (const k of EVENT_KINDS) kindCommand(event, k, onBuild, chat);
  if (chat)
    for (const k of EVENT_KINDS.filter((e) => CHAT_EVENT_SHORTCUTS.includes(e.name)))
      kindCommand(parent, { ...k, aliases: [] }, onBuild, chat);
  return parent;
}
