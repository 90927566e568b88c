import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { Context } from './context.js';
import type { Handler, Middleware, TextTrigger } from './types.js';

type Matcher = (ctx: Context) => boolean | Promise<boolean>;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | undefined)?.then === 'function';
}

// A matched route answers with what its handler returned; it only goes on if the handler calls next().
// Sync matchers and handlers stay sync: no extra promise per route on the hot path.
function route(matches: Matcher, handler: Handler): Middleware {
  const answer = (ctx: Context, next: () => Promise<void>): unknown => {
    const r = handler(ctx, next);
    if (isThenable(r)) return r.then((v) => setReply(ctx, v));
    setReply(ctx, r);
    return undefined;
  };
  return (ctx, next) => {
    const ok = matches(ctx);
    if (ok === true) return answer(ctx, next);
    if (ok === false) return next();
    return ok.then((v) => (v ? answer(ctx, next) : next()));
  };
}

function setReply(ctx: Context, r: unknown): void {
  if (r !== undefined && r !== null) ctx.reply(r as string | ReplyBody);
}

function content(ctx: Context): string | undefined {
  const m = ctx.message as { MsgType: string; Content?: unknown };
  return m.MsgType === 'text' && typeof m.Content === 'string' ? m.Content.trim() : undefined;
}

// Runs a RegExp from the start whatever its flags: a /g or /y RegExp keeps lastIndex between calls.
function execFromStart(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(s);
}

export function textRoute(trigger: TextTrigger, handler: Handler<never>): Middleware {
  let matches: (ctx: Context) => boolean | Promise<boolean>;
  if (typeof trigger === 'string') {
    const keyword = trigger.trim();
    matches = (ctx) => content(ctx) === keyword;
  } else if (trigger instanceof RegExp) {
    matches = (ctx) => {
      const s = content(ctx);
      if (s === undefined) return false;
      const m = execFromStart(trigger, s);
      if (m) ctx.match = m;
      return m !== null;
    };
  } else if (typeof trigger === 'function') {
    matches = (ctx) => {
      const s = content(ctx);
      return s !== undefined && trigger(s, ctx as never);
    };
  } else {
    const set = new Set(trigger.map((k) => k.trim()));
    matches = (ctx) => {
      const s = content(ctx);
      return s !== undefined && set.has(s);
    };
  }
  return route(matches, handler as Handler);
}

function oneOf(x: string | readonly string[]): (v: unknown) => boolean {
  if (typeof x === 'string') return (v) => v === x;
  const set = new Set(x);
  return (v) => typeof v === 'string' && set.has(v);
}

export function typeRoute(type: string | readonly string[], handler: Handler): Middleware {
  const is = oneOf(type);
  return route((ctx) => is(ctx.message.MsgType), handler);
}

function eventName(m: WechatMessage): string | undefined {
  return m.MsgType === 'event' ? (m as { Event?: string }).Event : undefined;
}

export function eventRoute(event: string | readonly string[], handler: Handler): Middleware {
  const is = oneOf(event);
  return route((ctx) => is(eventName(ctx.message)), handler);
}

export function clickRoute(key: string | RegExp, handler: Handler): Middleware {
  return route((ctx) => {
    if (eventName(ctx.message) !== 'CLICK') return false;
    const k = (ctx.message as { EventKey?: unknown }).EventKey;
    if (typeof k !== 'string') return false;
    if (typeof key === 'string') return k === key;
    const m = execFromStart(key, k);
    if (m) ctx.match = m;
    return m !== null;
  }, handler);
}
