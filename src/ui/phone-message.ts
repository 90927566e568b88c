/**
 * The phone's actions as the messages and events WeChat would push for them: what the composer
 * sends, and what each custom-menu button type makes WeChat send (protocol.md §4.2, §6.4).
 */
import type { WechatMessage } from '../protocol/messages.js';
import { argSpec, findLineKind, optionKeysOf } from '../simulate/kind-line.js';
import { KindInputError, type SendKind } from '../simulate/kinds.js';
import * as messages from '../simulate/messages.js';
import { MENU_BUTTON_TYPES } from '../wechat-api/menu-validate.js';

export class PhoneInputError extends Error {
  override name = 'PhoneInputError';
}

type Fields = Record<string, unknown>;

function str(f: Fields, name: string, required: boolean): string | undefined {
  const v = f[name];
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (required) throw new PhoneInputError(`${name} is needed`);
    return undefined;
  }
  throw new PhoneInputError(`${name} must be text`);
}

/**
 * A kind of the table (src/simulate/kinds.ts) from a form's fields, named as the kind's arguments
 * (`lat`, `lng`, `url`, `key`) and options (`label`, `title`, `recognition`, `scene`).
 */
function fromFields(kind: SendKind, f: Fields, user: messages.SimulatedUser): WechatMessage {
  const spec = argSpec(kind);
  const args = spec.names.map((n, i) => str(f, n, i < spec.required) ?? '');
  const options = Object.fromEntries(optionKeysOf(kind).map((k) => [k, str(f, k, false)]));
  try {
    return kind.build(messages, args, options, user);
  } catch (err) {
    throw err instanceof KindInputError ? new PhoneInputError(err.message) : err;
  }
}

/** What the composer's actions send: these kinds of the table. */
const COMPOSER = ['text', 'image', 'voice', 'video', 'location', 'link', 'subscribe', 'unsubscribe', 'scan'];

/**
 * The event a custom-menu button makes WeChat push: the event kind of the button type's name (a
 * mini-program button's is `view_miniprogram`); none for media_id/article_id buttons, which open
 * material without a push.
 */
function menuEvent(type: string): SendKind | undefined {
  if (!MENU_BUTTON_TYPES.includes(type)) return undefined;
  const kind = findLineKind([type === 'miniprogram' ? 'view_miniprogram' : type])?.kind;
  return kind?.event ? kind : undefined;
}

/** The message for one phone action; throws PhoneInputError for what a form would refuse. */
export function phoneMessage(kind: string, fields: Fields, user: messages.SimulatedUser): WechatMessage {
  if (kind === 'menu') {
    const type = str(fields, 'type', true)!;
    const event = menuEvent(type);
    if (!event) throw new PhoneInputError(`a ${type} menu button sends no message to the server`);
    return fromFields(event, fields, user);
  }
  if (!COMPOSER.includes(kind))
    throw new PhoneInputError(`unknown kind ${JSON.stringify(kind)}; one of ${[...COMPOSER, 'menu'].join(', ')}`);
  return fromFields(findLineKind([kind])!.kind, fields, user);
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
