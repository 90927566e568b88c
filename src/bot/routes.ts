import { KNOWN_EVENT_TYPES, type WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { Context } from './context.js';
import { WxbotError } from '../protocol/errors.js';
import type { Handler, Middleware, TextTrigger } from './types.js';

/** `text` is the trimmed Content of a text message (computed once per message), else undefined. */
type Matcher = (ctx: Context, text: string | undefined) => boolean | Promise<boolean>;

/** A route: a matcher and its handler. Consecutive routes run inside one router middleware. */
export interface Route {
  readonly matches: Matcher;
  readonly handler: Handler;
  /** The MsgTypes it can match at all (undefined: any); the router skips it for the others. */
  readonly types?: readonly string[];
}

export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | undefined)?.then === 'function';
}

/** A handler's return value as the reply: a string is text; nothing keeps what is there. */
export function setReply(ctx: Context, r: unknown): void {
  if (r !== undefined && r !== null) ctx.reply(r as string | ReplyBody);
}

function content(ctx: Context): string | undefined {
  const m = ctx.message as { MsgType: string; Content?: unknown };
  return m.MsgType === 'text' && typeof m.Content === 'string' ? m.Content.trim() : undefined;
}

const DONE: Promise<void> = Promise.resolve();

/**
 * Runs a run of routes as one middleware: the first match answers with what its handler returned;
 * it only goes on (to later routes, then the rest of the chain) if the handler calls next().
 * Scanning is a plain loop: no closure or promise per route that does not match.
 */
export function router(routes: readonly Route[]): Middleware {
  // Per MsgType, the routes that can match it, in registration order: a text message never tries
  // the event and image routes. Built on first sight of each MsgType.
  const byType = new Map<string, readonly Route[]>();
  const routesFor = (type: string): readonly Route[] => {
    let list = byType.get(type);
    if (!list) {
      list = routes.filter((r) => r.types === undefined || r.types.includes(type));
      if (byType.size < 64) byType.set(type, list); // MsgType is the sender's: don't keep unbounded kinds
    }
    return list;
  };
  return (ctx, next) => {
    const text = content(ctx);
    const list = routesFor(ctx.message.MsgType);
    const step = (from: number): unknown => {
      for (let j = from; j < list.length; j++) {
        const ok = list[j]!.matches(ctx, text);
        if (ok === false) continue;
        if (ok === true) return answer(j);
        return ok.then((v) => (v ? answer(j) : step(j + 1)));
      }
      return next();
    };
    const answer = (j: number): unknown => {
      let passed = false;
      const r = list[j]!.handler(ctx, () => {
        if (passed)
          return Promise.reject(new WxbotError('NEXT_CALLED_TWICE', 'next() was called more than once in one handler'));
        passed = true;
        const rest = step(j + 1);
        return isThenable(rest) ? (rest as Promise<void>) : DONE;
      });
      if (isThenable(r)) return r.then((v) => setReply(ctx, v));
      setReply(ctx, r);
      return undefined;
    };
    return step(0);
  };
}

// Runs a RegExp from the start whatever its flags: a /g or /y RegExp keeps lastIndex between calls.
function execFromStart(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(s);
}

export function textRoute(trigger: TextTrigger, handler: Handler<never>): Route {
  let matches: Matcher;
  if (typeof trigger === 'string') {
    const keyword = trigger.trim();
    matches = (_ctx, s) => s === keyword;
  } else if (trigger instanceof RegExp) {
    matches = (ctx, s) => {
      if (s === undefined) return false;
      const m = execFromStart(trigger, s);
      if (m) ctx.match = m;
      return m !== null;
    };
  } else if (typeof trigger === 'function') {
    matches = (ctx, s) => s !== undefined && trigger(s, ctx as never);
  } else {
    const set = new Set(trigger.map((k) => k.trim()));
    matches = (_ctx, s) => s !== undefined && set.has(s);
  }
  return { matches, handler: handler as Handler, types: TEXT };
}

const TEXT = ['text'] as const;
const EVENT = ['event'] as const;

function oneOf(x: string | readonly string[]): (v: unknown) => boolean {
  if (typeof x === 'string') return (v) => v === x;
  const set = new Set(x);
  return (v) => typeof v === 'string' && set.has(v);
}

export function typeRoute(type: string | readonly string[], handler: Handler): Route {
  const is = oneOf(type);
  return { matches: (ctx) => is(ctx.message.MsgType), handler, types: typeof type === 'string' ? [type] : [...type] };
}

// WeChat spells some event names in upper case (SCAN, CLICK, VIEW, LOCATION) and others in lower case
// (subscribe, scancode_push): routes compare lower-cased names. The known ones are looked up, so
// matching them makes no string per message.
const LOWER_EVENT = new Map<string, string>(KNOWN_EVENT_TYPES.map((e) => [e, e.toLowerCase()]));

/** An event's name in lower case (undefined for a user message). */
function eventName(m: WechatMessage): string | undefined {
  if (m.MsgType !== 'event') return undefined;
  const e = (m as { Event?: unknown }).Event;
  if (typeof e !== 'string') return undefined;
  return LOWER_EVENT.get(e) ?? e.toLowerCase();
}

export function eventRoute(event: string | readonly string[], handler: Handler): Route {
  const is = oneOf(typeof event === 'string' ? event.toLowerCase() : event.map((e) => e.toLowerCase()));
  return { matches: (ctx) => is(eventName(ctx.message)), handler, types: EVENT };
}

export function clickRoute(key: string | RegExp, handler: Handler): Route {
  const matches: Matcher = (ctx) => {
    if (eventName(ctx.message) !== 'click') return false;
    const k = (ctx.message as { EventKey?: unknown }).EventKey;
    if (typeof k !== 'string') return false;
    if (typeof key === 'string') return k === key;
    const m = execFromStart(key, k);
    if (m) ctx.match = m;
    return m !== null;
  };
  return { matches, handler, types: EVENT };
}
