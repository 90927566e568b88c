/**
 * Whether a value is a reply body WeChat accepts (protocol.md §5): what a handler or a chat provider
 * returned is checked here before it is rendered, so a bad value is the handler's error, with words
 * saying what it was, rather than a failed render. A few type checks: it runs once per reply.
 */
import { REPLY_TYPES } from './replies.js';

const MEDIA = {
  image: { field: 'Image', what: 'an image reply' },
  voice: { field: 'Voice', what: 'a voice reply' },
  video: { field: 'Video', what: 'a video reply' },
} as const;

type Fields = Record<string, unknown>;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null;
const isFilled = (v: unknown): boolean => typeof v === 'string' && v !== '';

/**
 * What keeps `value` from being a reply body, in words ("the number 42", "an image reply without
 * Image.MediaId"), or undefined when it is one. A string is not a body (a handler's string becomes a
 * text reply before this is asked).
 */
export function replyBodyProblem(value: unknown): string | undefined {
  if (!isObject(value)) return describeValue(value);
  const type = value.MsgType;
  switch (type) {
    case 'text':
      if (typeof value.Content !== 'string')
        return `a text reply ${value.Content === undefined ? 'without Content' : `whose Content is ${describeValue(value.Content)}`}`;
      return value.Content === '' ? 'a text reply with an empty Content, which WeChat refuses' : undefined;
    case 'image':
    case 'voice':
    case 'video': {
      const { field, what } = MEDIA[type];
      const media = value[field];
      return isObject(media) && isFilled(media.MediaId) ? undefined : `${what} without ${field}.MediaId`;
    }
    case 'music': {
      const music = value.Music;
      return isObject(music) && isFilled(music.ThumbMediaId)
        ? undefined
        : 'a music reply without Music.ThumbMediaId (WeChat requires the thumbnail)';
    }
    case 'news':
      return newsProblem(value.Articles);
    case 'transfer_customer_service': {
      const info = value.TransInfo;
      return info === undefined || (isObject(info) && typeof info.KfAccount === 'string')
        ? undefined
        : 'a transfer_customer_service reply whose TransInfo has no KfAccount';
    }
    default:
      if (type === undefined) return describeObject(value);
      return `a reply with MsgType ${cut(typeof type === 'string' ? JSON.stringify(type) : describeValue(type))} (WeChat's are ${REPLY_TYPES.join(', ')})`;
  }
}

function newsProblem(articles: unknown): string | undefined {
  if (!Array.isArray(articles)) return 'a news reply without Articles';
  if (articles.length === 0) return 'a news reply with no articles';
  for (let i = 0; i < articles.length; i++) {
    if (!isObject(articles[i])) return `a news reply whose article ${i + 1} is ${describeValue(articles[i])}`;
  }
  return undefined;
}

/** A value that is not an object, or one this module does not look into. */
function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return v === '' ? 'an empty string' : 'a string';
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof v} ${String(v)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return v === null ? 'null' : isObject(v) && Array.isArray(v) ? `an array of ${v.length}` : 'an object';
  }
}

/** An object without MsgType: its class ("a Date", "a Promise"), or the keys it has instead. */
function describeObject(o: Fields): string {
  if (Array.isArray(o)) return `an array of ${o.length} (a reply is one value)`;
  if (typeof o.then === 'function') return 'a promise (await it)';
  const proto = Object.getPrototypeOf(o) as { constructor?: { name?: unknown } } | null;
  if (proto !== null && proto !== Object.prototype) {
    const name = typeof proto.constructor?.name === 'string' && proto.constructor.name ? proto.constructor.name : '';
    if (name) return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${cut(name)}`;
  }
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  return keys.length === 0 ? 'an empty object' : `an object without MsgType (keys: ${cut(keys.join(', '))})`;
}

function cut(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
