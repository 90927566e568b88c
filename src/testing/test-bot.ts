/**
 * testBot: a test client for node:test, vitest or jest. One fake user talks to the bot through the
 * handler `wxbot serve` uses; the session, dedupe records and store are kept across calls, and every
 * reply comes with WeChat's verdict.
 *
 * @example
 *   const t = testBot(bot);
 *   assert.equal((await t.send('你好')).text, '你好！');
 *   assert.equal((await t.click('ABOUT')).title, '关于这个机器人');
 */
import type { Bot } from '../bot/bot.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyType } from '../protocol/replies.js';
import { readKindWords } from '../simulate/kind-line.js';
import * as messages from '../simulate/messages.js';
import type { SimulateMode } from '../simulate/push.js';
import type { ParsedReply } from '../simulate/reply-checks.js';
import { parseDuration } from './convo-kinds.js';
import { FakeClock } from './fake-clock.js';
import { freshOpenId } from './run-convo.js';
import { type InProcessOptions, inProcessTarget, type TargetSession } from './targets.js';

export interface TestBotOptions extends InProcessOptions {
  /** The user's OpenID (default: a fresh one). */
  user?: string;
  /** The account's 原始ID (ToUserName). */
  account?: string;
  /** How pushes are sent: plain (default), compat or safe (encrypted both ways). */
  mode?: SimulateMode;
  /** A fake clock: true starts it now, or give the start. `t.advance('25h')` moves it. */
  clock?: boolean | number | Date;
}

export interface TestReply {
  /** The reply's MsgType, 'success' for no reply, null when WeChat would get nothing usable. */
  type: ReplyType | 'success' | null;
  /** A text reply's Content. */
  text?: string;
  /** The first article's title of a news reply (or a music/video title). */
  title?: string;
  /** The parsed reply with WeChat's field names. */
  reply: ParsedReply | null;
  /** WeChat would accept the answer. */
  ok: boolean;
  problems: string[];
  warnings: string[];
  /** The response body (the encrypted envelope in safe mode). */
  raw: string | null;
  status: number | null;
  /** What the bot's handler threw (`Name CODE: message`): why the answer is `success` when it is. */
  error?: string;
}

export interface TestBot {
  /** Sends a text message. */
  send(text: string): Promise<TestReply>;
  /**
   * Sends any other kind, its words as in a .convo line, one argument each: event('subscribe'),
   * event('scan', '42'), event('image', url, '--media-id', 'M1'), event('location', 23.1, 113.3, '广州塔').
   */
  event(kind: string, ...args: (string | number)[]): Promise<TestReply>;
  /** Taps a menu click button. */
  click(key: string): Promise<TestReply>;
  /** Sends a message you built (simulate's builders, or your own). */
  message(build: WechatMessage | ((u: messages.SimulatedUser) => WechatMessage)): Promise<TestReply>;
  /** The same bot and store, another user. */
  as(user: string): TestBot;
  /** Moves the fake clock on ('25h', '90s' or ms); needs the `clock` option. */
  advance(duration: string | number): void;
  readonly clock: FakeClock | undefined;
  /** Waits for handlers still running and frees the store. */
  close(): Promise<void>;
}

function toTestReply(d: Awaited<ReturnType<TargetSession['deliver']>>): TestReply {
  const r = d.reply as ParsedReply | null;
  const out: TestReply = {
    type: r ? r.MsgType : d.ack !== null ? 'success' : null,
    reply: r,
    ok: d.problems.length === 0,
    problems: d.problems,
    warnings: d.warnings,
    raw: d.raw,
    status: d.status,
  };
  if (r?.MsgType === 'text') out.text = r.Content;
  const title =
    r?.MsgType === 'news'
      ? r.Articles[0]?.Title
      : r?.MsgType === 'music'
        ? r.Music.Title
        : r?.MsgType === 'video'
          ? r.Video.Title
          : undefined;
  if (title !== undefined) out.title = title;
  if (d.error !== undefined) out.error = d.error;
  return out;
}

export function testBot(bot: Bot, o: TestBotOptions = {}): TestBot {
  const target = inProcessTarget(bot, o);
  const clock =
    o.clock === undefined || o.clock === false ? undefined : new FakeClock(o.clock === true ? Date.now() : o.clock);
  let session: TargetSession | undefined;
  const lastEvent = new Map<string, number>();
  const inClock = <T>(fn: () => Promise<T>) => (clock ? clock.run(fn) : fn());

  const deliver = (user: string, build: (u: messages.SimulatedUser) => WechatMessage) =>
    inClock(async () => {
      // Opened on first use, inside the clock, so the store's own notion of time starts there.
      session ??= target.open();
      const now = Date.now();
      const u: messages.SimulatedUser = { from: user, now };
      if (o.account) u.to = o.account;
      let message = build(u);
      if (message.MsgType === 'event') {
        // Two events in one second would look like WeChat's retry of one.
        const at = Math.max(now, (lastEvent.get(user) ?? -Infinity) + 1000);
        lastEvent.set(user, at);
        if (at !== now) message = build({ ...u, now: at });
      }
      return toTestReply(await session.deliver(message, o.mode ?? 'plain'));
    });

  const client = (user: string): TestBot => ({
    send: (text) => deliver(user, (u) => messages.textMessage(text, u)),
    event(kind, ...args) {
      if (kind.toLowerCase() === 'wait') throw new Error('use advance() to let time pass');
      // Each argument is one word, spaces and all: event('click', 'MY KEY') taps that key.
      const send = readKindWords([kind, ...args.map(String)], messages);
      return deliver(user, (u) => send.build(messages, u));
    },
    click: (key) => deliver(user, (u) => messages.clickEvent(key, u)),
    message: (m) => deliver(user, typeof m === 'function' ? m : () => m),
    as: (other) => client(other),
    advance(duration) {
      if (!clock) throw new Error('advance() needs a fake clock: testBot(bot, { clock: true })');
      clock.advance(typeof duration === 'number' ? duration : parseDuration(duration));
    },
    clock,
    close: async () => {
      await session?.close();
      session = undefined;
    },
  });
  return client(o.user ?? freshOpenId());
}
