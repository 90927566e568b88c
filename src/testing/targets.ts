/**
 * Where a conversation is sent: a bot in this process, through the very handler `wxbot serve` uses
 * (signature check, decryption, dedupe, rendering, encryption), or any server over HTTP through the
 * simulator. Either way every answer gets the simulator's verdict.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bot } from '../bot/bot.js';
import { generateEncodingAESKey, generateToken } from '../protocol/crypto.js';
import type { WechatMessage } from '../protocol/messages.js';
import { createHandler, type WechatHandler } from '../server/handler.js';
import type { ErrorLog } from '../server/types.js';
import { judgeReply } from '../simulate/judge.js';
import { buildPushRequest, type SimulateMode } from '../simulate/push.js';
import type { ParsedReply } from '../simulate/reply-checks.js';
import { sendMessage } from '../simulate/send.js';
import { MemoryStore } from '../store/memory.js';
import { createMediaReplies, type MediaReplies } from '../wechat-api/media-cache.js';

/** One push and the verdict on its answer. */
export interface Delivery {
  /** HTTP status, or null when nothing answered in time. */
  status: number | null;
  reply: ParsedReply | null;
  ack: 'success' | '' | null;
  /** What WeChat would reject. */
  problems: string[];
  warnings: string[];
  /** The response body as sent. */
  raw: string | null;
  ms: number;
  /**
   * In-process only: what the bot's handler threw while this message was handled (`Name CODE: message`),
   * the reason a turn answered `success` when a reply was expected.
   */
  error?: string;
}

/** The account a target speaks for. */
export interface TargetSettings {
  token: string;
  aesKey?: string;
  appId?: string;
}

/** A run against one bot or server; `open()` starts one conversation's worth of state. */
export interface Target {
  readonly inProcess: boolean;
  readonly settings: TargetSettings;
  open(): TargetSession;
}

export interface TargetSession {
  deliver(message: WechatMessage, mode: SimulateMode): Promise<Delivery>;
  close(): Promise<void>;
}

/** Placeholder AppID for in-process runs that have none: the handler needs one beside a key. */
export const TEST_APP_ID = 'wx0123456789abcdef';

/** A ServerResponse as far as the handler uses one: the status and the body, nothing on a socket. */
class CapturedResponse {
  headersSent = false;
  destroyed = false;
  statusCode = 0;
  body = '';
  setHeader(): void {}
  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    return this;
  }
  end(chunk?: string | Buffer, encoding?: BufferEncoding): void {
    if (chunk === undefined) return;
    this.body =
      typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8').toString('utf8') : chunk.toString('utf8');
  }
}

/** An error record as the serve log shows it: `WechatApiError MEDIA_INVALID: …`. */
const errorLine = (e: ErrorLog['error']) => `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}`;

class InProcessSession implements TargetSession {
  readonly #store = new MemoryStore();
  readonly #handler: WechatHandler;
  /** The deliveries running now, each collecting the handler errors reported for its user meanwhile. */
  readonly #running = new Set<{ user: string; errors: string[] }>();

  constructor(
    bot: Bot,
    readonly settings: Required<TargetSettings>,
    media: MediaReplies,
  ) {
    // A fresh store per conversation: no session or dedupe record leaks from one into the next.
    this.#handler = createHandler(bot, {
      token: settings.token,
      encodingAESKey: settings.aesKey,
      appId: settings.appId,
      store: this.#store,
      media,
      onLog: (r) => {
        if (r.type !== 'error') return;
        for (const d of this.#running)
          if (r.openId === undefined || r.openId === d.user) d.errors.push(errorLine(r.error));
      },
    });
  }

  async deliver(message: WechatMessage, mode: SimulateMode): Promise<Delivery> {
    const push = buildPushRequest('http://wxbot.test/wechat', message, { ...this.settings, mode });
    const url = new URL(push.url);
    // The bytes a socket would carry, handed over the way a framework's raw-body parser does.
    const req = {
      method: 'POST',
      url: url.pathname + url.search,
      headers: {},
      rawHeaders: [],
      body: Buffer.from(push.body),
    };
    const res = new CapturedResponse();
    const running = { user: message.FromUserName, errors: [] as string[] };
    this.#running.add(running);
    const start = performance.now();
    try {
      await this.#handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    } finally {
      this.#running.delete(running);
    }
    const ms = Math.round(performance.now() - start);
    const j = judgeReply({
      request: { message, mode },
      response: { status: res.statusCode, body: res.body, ms },
      settings: this.settings,
    });
    const d: Delivery = {
      status: res.statusCode,
      reply: j.reply,
      ack: j.ack,
      problems: j.problems,
      warnings: j.warnings,
      raw: res.body,
      ms,
    };
    if (running.errors.length) d.error = running.errors.join('\n');
    return d;
  }

  async close(): Promise<void> {
    await this.#handler.idle();
    await this.#store.close();
  }
}

export interface InProcessOptions {
  /** The Token; a fresh one when absent (nothing outside this process needs to know it). */
  token?: string;
  /** The EncodingAESKey; a fresh one when absent, so safe and compatible mode work too. */
  aesKey?: string;
  appId?: string;
  /**
   * Media ids for replies from files, URLs or buffers (`ctx.replyImage({ file })`). Default: local
   * placeholders (`LOCAL_image_…`), as `wxbot serve` makes without an AppSecret: nothing is uploaded.
   */
  media?: MediaReplies;
}

/** A bot in this process, behind the handler `wxbot serve` runs. */
export function inProcessTarget(bot: Bot, o: InProcessOptions = {}): Target {
  const settings = {
    token: o.token || generateToken(),
    aesKey: o.aesKey || generateEncodingAESKey(),
    appId: o.appId || TEST_APP_ID,
  };
  // One for the whole run, like serve's: a file is hashed once, whatever conversation replies with it.
  const media = o.media ?? createMediaReplies();
  return { inProcess: true, settings, open: () => new InProcessSession(bot, settings, media) };
}

export interface HttpTargetOptions extends TargetSettings {
  url: string;
  /** Deadline per delivery (three deliveries at most, like WeChat); default 5 s like WeChat. */
  timeoutMs?: number;
}

/**
 * Any server, over HTTP, pushed to exactly as WeChat does. A server that cannot be reached makes
 * `deliver` throw the simulator's SIMULATE_NETWORK error.
 */
export function httpTarget(o: HttpTargetOptions): Target {
  const settings: TargetSettings = { token: o.token };
  if (o.aesKey) settings.aesKey = o.aesKey;
  if (o.appId) settings.appId = o.appId;
  const session: TargetSession = {
    async deliver(message, mode) {
      // Delivered again when unanswered, as WeChat does: a slow answer on a later delivery is what users get.
      const r = await sendMessage({
        url: o.url,
        message,
        settings: { ...settings, mode },
        timeoutMs: o.timeoutMs,
        retry: true,
      });
      return {
        status: r.status,
        reply: r.reply,
        ack: r.ack,
        problems: r.problems,
        warnings: r.warnings,
        raw: r.raw,
        ms: r.ms,
      };
    },
    close: async () => undefined,
  };
  return { inProcess: false, settings, open: () => session };
}
