/**
 * The phone's actions as the messages and events WeChat would push for them: what the composer
 * sends, and what each custom-menu button type makes WeChat send (protocol.md §4.2, §6.4).
 */
import type { WechatMessage } from '../protocol/messages.js';
import {
  clickEvent,
  imageMessage,
  linkMessage,
  locationMessage,
  locationSelectEvent,
  picEvent,
  scanCodeEvent,
  scanEvent,
  subscribeEvent,
  textMessage,
  unsubscribeEvent,
  videoMessage,
  viewEvent,
  viewMiniprogramEvent,
  voiceMessage,
  type SimulatedUser,
} from '../simulate/messages.js';
import { coordinateProblem } from '../simulate/coordinates.js';

export class PhoneInputError extends Error {
  override name = 'PhoneInputError';
}

type Fields = Record<string, unknown>;

function str(f: Fields, name: string, required = true): string {
  const v = f[name];
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (v === undefined || v === '' || v === null) {
    if (required) throw new PhoneInputError(`${name} is needed`);
    return '';
  }
  throw new PhoneInputError(`${name} must be text`);
}

/** A latitude or longitude as a phone reports them (the rule of coordinates.ts). */
function coordinate(f: Fields, name: 'lat' | 'lng'): number {
  const v = typeof f[name] === 'string' && f[name] !== '' ? Number(f[name]) : f[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PhoneInputError(`${name} must be a number`);
  const problem = coordinateProblem(v, name);
  if (problem) throw new PhoneInputError(problem);
  return v;
}

const optional = (f: Fields, name: string) => str(f, name, false) || undefined;

// What each button type of the custom menu sends; media_id/article_id buttons open material without a push.
const MENU_EVENTS: Record<string, (f: Fields, s: SimulatedUser) => WechatMessage> = {
  click: (f, s) => clickEvent(str(f, 'key'), s),
  view: (f, s) => viewEvent(str(f, 'url'), {}, s),
  miniprogram: (f, s) => viewMiniprogramEvent(str(f, 'pagepath'), {}, s),
  scancode_push: (f, s) => scanCodeEvent('scancode_push', str(f, 'key'), { result: optional(f, 'result') }, s),
  scancode_waitmsg: (f, s) => scanCodeEvent('scancode_waitmsg', str(f, 'key'), { result: optional(f, 'result') }, s),
  pic_sysphoto: (f, s) => picEvent('pic_sysphoto', str(f, 'key'), {}, s),
  pic_photo_or_album: (f, s) => picEvent('pic_photo_or_album', str(f, 'key'), {}, s),
  pic_weixin: (f, s) => picEvent('pic_weixin', str(f, 'key'), {}, s),
  location_select: (f, s) =>
    locationSelectEvent(str(f, 'key'), coordinate(f, 'lat'), coordinate(f, 'lng'), { label: optional(f, 'label') }, s),
};

const KINDS: Record<string, (f: Fields, s: SimulatedUser) => WechatMessage> = {
  text: (f, s) => textMessage(str(f, 'content'), s),
  image: (f, s) => imageMessage(str(f, 'url'), s),
  voice: (f, s) => voiceMessage({ recognition: optional(f, 'recognition') }, s),
  video: (_f, s) => videoMessage({}, s),
  location: (f, s) => locationMessage(coordinate(f, 'lat'), coordinate(f, 'lng'), { label: optional(f, 'label') }, s),
  link: (f, s) =>
    linkMessage(str(f, 'url'), { title: optional(f, 'title'), description: optional(f, 'description') }, s),
  subscribe: (f, s) => subscribeEvent(optional(f, 'scene'), s),
  unsubscribe: (_f, s) => unsubscribeEvent(s),
  scan: (f, s) => scanEvent(str(f, 'scene'), s),
  menu: (f, s) => {
    const type = str(f, 'type');
    const make = MENU_EVENTS[type];
    if (!make) throw new PhoneInputError(`a ${type} menu button sends no message to the server`);
    return make(f, s);
  },
};

/** The message for one phone action; throws PhoneInputError for what a form would refuse. */
export function phoneMessage(kind: string, fields: Fields, user: SimulatedUser): WechatMessage {
  const make = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  if (!make) throw new PhoneInputError(`unknown kind ${JSON.stringify(kind)}; one of ${Object.keys(KINDS).join(', ')}`);
  return make(fields, user);
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The inspector's one-line description: `text 你好`, `event CLICK V1001_TODAY_MUSIC`. */
export function messageLabel(m: WechatMessage): string {
  const f = m as unknown as Record<string, unknown>;
  const s = (name: string) => (typeof f[name] === 'string' || typeof f[name] === 'number' ? String(f[name]) : '');
  switch (m.MsgType) {
    case 'text':
      return `text ${clip(s('Content').replace(/\s+/g, ' '))}`;
    case 'image':
      return `image ${clip(s('PicUrl'))}`;
    case 'voice':
      return `voice${s('Recognition') ? ` 「${clip(s('Recognition'))}」` : ''}`;
    case 'location':
      return `location ${s('Location_X')},${s('Location_Y')}${s('Label') ? ` ${clip(s('Label'))}` : ''}`;
    case 'link':
      return `link ${clip(s('Title') || s('Url'))}`;
    case 'event': {
      const key = s('EventKey');
      return `event ${s('Event')}${key ? ` ${clip(key)}` : ''}`;
    }
    default:
      return m.MsgType;
  }
}
