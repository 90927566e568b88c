import type { ChalkInstance } from 'chalk';
import { maskOpenId } from '../config/mask.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { LogRecord, RequestLog, SlowLog } from '../server/types.js';

const PREVIEW = 48;

// What `replace(/\s+/g, ' ').trim()` would change: whitespace other than a space, a space at either
// end, two spaces in a row. Most texts have none, and testing is cheaper than replacing.
const NOT_ONE_LINE = /[^\S ]|^ | $| {2}/;

function preview(s: string, max = PREVIEW): string {
  const one = NOT_ONE_LINE.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

/** The message's kind: MsgType, or `event:<Event>`. */
function messageKind(m: WechatMessage): string {
  return m.MsgType === 'event' ? `event:${str((m as { Event?: unknown }).Event)}` : m.MsgType;
}

/** What the user sent, in a few words. */
function messagePreview(m: WechatMessage): string {
  const x = m as unknown as Record<string, unknown>;
  switch (m.MsgType) {
    case 'text':
      return str(x.Content);
    case 'voice':
      return str(x.Recognition) || `(${str(x.Format) || 'voice'})`;
    case 'image':
      return str(x.PicUrl);
    case 'location':
      return `${str(x.Label)} ${str(x.Location_X)},${str(x.Location_Y)}`;
    case 'link':
      return `${str(x.Title)} ${str(x.Url)}`;
    case 'video':
    case 'shortvideo':
      return str(x.MediaId);
    case 'event':
      return str(x.EventKey);
    default:
      return '';
  }
}

function replyPreview(r: ReplyBody): string {
  switch (r.MsgType) {
    case 'text':
      return r.Content;
    case 'news':
      return `${r.Articles.length} article(s): ${r.Articles[0]?.Title ?? ''}`;
    case 'image':
      return r.Image.MediaId;
    case 'voice':
      return r.Voice.MediaId;
    case 'video':
      return r.Video.MediaId;
    case 'music':
      return r.Music.Title ?? r.Music.ThumbMediaId;
    case 'transfer_customer_service':
      return r.TransInfo?.KfAccount ?? '';
    default:
      return '';
  }
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `prefixOf(second)`, computed once per second rather than once per line. */
function bySecond(prefixOf: (second: number) => string): (second: number) => string {
  let at = NaN;
  let prefix = '';
  return (second) => {
    if (second !== at) {
      prefix = prefixOf(second);
      at = second;
    }
    return prefix;
  };
}

/**
 * A timestamp formatter for log lines: the prefix (everything up to the milliseconds) is made once
 * per second, not per line; the three-digit milliseconds and `suffix` are appended.
 */
function perSecond(prefixAt: (second: number) => string, suffix = ''): (ms: number) => string {
  return (ms) => {
    const second = Math.floor(ms / 1000);
    const milli = ms - second * 1000;
    return `${prefixAt(second)}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}${suffix}`;
  };
}

/** Local `HH:MM:SS.` of a second since the epoch (cached for the current second). */
const clockPrefix = bySecond((second) => {
  const d = new Date(second * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.`;
});

/** Local HH:MM:SS.mmm. */
const clock = perSecond(clockPrefix);

/** The styles a log line uses: chalk's, or none (colour off), which then costs nothing per call. */
interface Paint {
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  bold(s: string): string;
}

const PLAIN: Paint = {
  dim: (s) => s,
  red: (s) => s,
  yellow: (s) => s,
  green: (s) => s,
  cyan: (s) => s,
  magenta: (s) => s,
  bold: (s) => s,
};
const painted = new WeakMap<ChalkInstance, Paint>();

function paintOf(c: ChalkInstance): Paint {
  if (c.level === 0) return PLAIN;
  let p = painted.get(c);
  if (!p) {
    p = {
      dim: (s) => c.dim(s),
      red: (s) => c.red(s),
      yellow: (s) => c.yellow(s),
      green: (s) => c.green(s),
      cyan: (s) => c.cyan(s),
      magenta: (s) => c.magenta(s),
      bold: (s) => c.bold(s),
    };
    painted.set(c, p);
  }
  return p;
}

function statusColor(c: Paint, status: number): string {
  const s = status === 200 ? '200' : String(status);
  return status >= 500 ? c.red(s) : status >= 400 ? c.yellow(s) : c.green(s);
}

// The common values already padded (padEnd builds a string each time).
const method4 = (m: string) => (m === 'POST' ? m : m === 'GET' ? 'GET ' : m.padEnd(4));
const mode6 = (m: string) => (m === 'plain' ? 'plain ' : m === 'safe' ? 'safe  ' : m.padEnd(6));

/** A request's line: the time, method, status and mode, then what was said and answered, then the latency. */
function requestLine(r: RequestLog, c: Paint): string {
  const head = `${c.dim(clock(r.time))} ${method4(r.method)} ${statusColor(c, r.status)} ${c.dim(mode6(r.mode))} `;
  const ms = c.dim(`${r.latencyMs}ms`);
  // A rejection or the URL check says so instead of the message.
  const instead = r.reason ? c.yellow(r.reason) : r.verify ? c.cyan('URL verification') : undefined;
  if (instead !== undefined) return `${head}${instead} ${ms}`;
  const m = r.message;
  if (!m) return head + ms;
  const what = messagePreview(m);
  let line = `${head}${c.magenta(maskOpenId(m.FromUserName))} ${c.bold(messageKind(m))}`;
  if (what) line += ` ${JSON.stringify(preview(what))}`;
  line += ` ${c.dim('→')} `;
  line += r.reply
    ? `${c.bold(r.reply.MsgType)} ${c.cyan(JSON.stringify(preview(replyPreview(r.reply))))}`
    : c.dim(r.slow === 'held' ? '(closed, no reply)' : 'success');
  line += ` ${ms}`;
  if (r.dedupe) line += ` ${c.yellow('[retry: answered from first delivery]')}`;
  // A retry-window step says itself what was answered (nothing, or the waiting text), not `success`.
  if (r.late && !r.slow) line += ` ${c.yellow('[deadline: success sent, reply goes late]')}`;
  if (r.slow) line += ` ${c.yellow(slowTag(r.slow, r.delivery))}`;
  return line;
}

/** The retry window's step, in the words of the guide (docs/guide/slow-replies.md). */
export function slowTag(step: NonNullable<RequestLog['slow']>, delivery: number | undefined): string {
  const nth = delivery === undefined ? '' : ` ${delivery}`;
  switch (step) {
    case 'held':
      return `[slow: delivery${nth} held, closed without a reply so WeChat delivers again]`;
    case 'answered':
      return `[slow: answered on delivery${nth === '' ? ' after a held one' : nth}]`;
    case 'waiting':
      // No number: the store could not count the delivery (Redis down), so it was taken for the last.
      return `[slow: waiting text on ${delivery === undefined ? 'an uncounted delivery (the store failed)' : `delivery ${delivery}`}, the answer is kept for the user's next message]`;
    case 'pending':
      return "[slow: the pending answer of the user's earlier message]";
  }
}

function slowLine(r: SlowLog, c: Paint): string {
  const reply = r.reply.MsgType === 'text' ? ` ${JSON.stringify(preview(replyPreview(r.reply)))}` : '';
  return `${c.dim(clock(r.time))} ${c.cyan('KEEP')} ${c.magenta(maskOpenId(r.message.FromUserName))} ${c.bold(r.reply.MsgType)}${reply} ${c.yellow("[slow: answer kept for the user's next message]")}`;
}

function errorLine(r: Extract<LogRecord, { type: 'error' }>, c: Paint): string {
  const who = r.openId ? ` ${c.magenta(maskOpenId(r.openId))}` : '';
  return `${c.dim(clock(r.time))} ${c.red('ERROR')}${who} ${r.error.name}${r.error.code ? ` ${r.error.code}` : ''}: ${r.error.message}`;
}

/** One coloured line per record (colour decided by the chalk instance passed in). */
export function formatPretty(r: LogRecord, chalk: ChalkInstance): string {
  const c = paintOf(chalk);
  if (r.type === 'error') return errorLine(r, c);
  if (r.type === 'slow') return slowLine(r, c);
  return requestLine(r, c);
}

/** Date#toISOString: the prefix is its string up to the '.' before the milliseconds. */
const isoTime = perSecond(
  bySecond((second) => new Date(second * 1000).toISOString().slice(0, -4)),
  'Z',
);

/** One JSON object per record: previews only, OpenIDs masked, no full message bodies. */
export function formatJson(r: LogRecord): string {
  if (r.type === 'error') {
    const e: Record<string, unknown> = { time: isoTime(r.time), level: r.level, type: r.type, error: r.error };
    if (r.openId) e.openId = maskOpenId(r.openId);
    if (r.msgType) e.msgType = r.msgType;
    return JSON.stringify(e);
  }
  if (r.type === 'slow') {
    return JSON.stringify({
      time: isoTime(r.time),
      level: r.level,
      type: r.type,
      event: r.event,
      openId: maskOpenId(r.message.FromUserName),
      msgType: messageKind(r.message),
      reply: { MsgType: r.reply.MsgType, preview: preview(replyPreview(r.reply), 120) },
    });
  }
  const m = r.message;
  // Built field by field in a fixed order: spreads of optional parts cost an object each.
  const o: Record<string, unknown> = {
    time: isoTime(r.time),
    level: r.level,
    type: r.type,
    id: r.id,
    method: r.method,
    path: r.path,
    status: r.status,
    mode: r.mode,
    latencyMs: r.latencyMs,
  };
  if (r.verify) o.verify = true;
  if (m) {
    o.openId = maskOpenId(m.FromUserName);
    o.msgType = messageKind(m);
    o.content = preview(messagePreview(m), 120);
  }
  if (r.reply) o.reply = { MsgType: r.reply.MsgType, preview: preview(replyPreview(r.reply), 120) };
  o.dedupe = r.dedupe;
  o.late = r.late;
  if (r.reason) o.reason = r.reason;
  if (r.slow) o.slow = r.slow;
  if (r.delivery !== undefined) o.delivery = r.delivery;
  return JSON.stringify(o);
}
