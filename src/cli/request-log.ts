import type { ChalkInstance } from 'chalk';
import { maskOpenId } from '../config/mask.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ReplyBody } from '../protocol/replies.js';
import type { LogRecord, RequestLog } from '../server/types.js';

const PREVIEW = 48;

function preview(s: string, max = PREVIEW): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? '' : String(v);
}

/** The message's kind: MsgType, or `event:<Event>`. */
export function messageKind(m: WechatMessage): string {
  return m.MsgType === 'event' ? `event:${str((m as { Event?: unknown }).Event)}` : m.MsgType;
}

/** What the user sent, in a few words. */
export function messagePreview(m: WechatMessage): string {
  const x = m as unknown as Record<string, unknown>;
  switch (m.MsgType) {
    case 'text': return str(x.Content);
    case 'voice': return str(x.Recognition) || `(${str(x.Format) || 'voice'})`;
    case 'image': return str(x.PicUrl);
    case 'location': return `${str(x.Label)} ${str(x.Location_X)},${str(x.Location_Y)}`;
    case 'link': return `${str(x.Title)} ${str(x.Url)}`;
    case 'video':
    case 'shortvideo': return str(x.MediaId);
    case 'event': return str(x.EventKey);
    default: return '';
  }
}

export function replyPreview(r: ReplyBody): string {
  switch (r.MsgType) {
    case 'text': return r.Content;
    case 'news': return `${r.Articles.length} article(s): ${r.Articles[0]?.Title ?? ''}`;
    case 'image': return r.Image.MediaId;
    case 'voice': return r.Voice.MediaId;
    case 'video': return r.Video.MediaId;
    case 'music': return r.Music.Title ?? r.Music.ThumbMediaId;
    case 'transfer_customer_service': return r.TransInfo?.KfAccount ?? '';
    default: return '';
  }
}

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function statusColor(c: ChalkInstance, status: number): string {
  const s = String(status);
  return status >= 500 ? c.red(s) : status >= 400 ? c.yellow(s) : c.green(s);
}

function requestLine(r: RequestLog, c: ChalkInstance): string {
  const head = `${c.dim(clock(r.time))} ${r.method.padEnd(4)} ${statusColor(c, r.status)} ${c.dim(r.mode.padEnd(6))}`;
  const ms = c.dim(`${r.latencyMs}ms`);
  if (r.reason) return `${head} ${c.yellow(r.reason)} ${ms}`;
  if (r.verify) return `${head} ${c.cyan('URL verification')} ${ms}`;
  if (!r.message) return `${head} ${ms}`;
  const m = r.message;
  const what = messagePreview(m);
  const parts = [head, c.magenta(maskOpenId(m.FromUserName)), c.bold(messageKind(m))];
  if (what) parts.push(JSON.stringify(preview(what)));
  parts.push(c.dim('→'));
  parts.push(r.reply ? `${c.bold(r.reply.MsgType)} ${c.cyan(JSON.stringify(preview(replyPreview(r.reply))))}` : c.dim('success'));
  parts.push(ms);
  if (r.dedupe) parts.push(c.yellow('[retry: answered from first delivery]'));
  if (r.late) parts.push(c.yellow('[deadline: success sent, reply goes late]'));
  return parts.join(' ');
}

/** One coloured line per record (colour decided by the chalk instance passed in). */
export function formatPretty(r: LogRecord, c: ChalkInstance): string {
  if (r.type === 'error') {
    const who = r.openId ? ` ${c.magenta(maskOpenId(r.openId))}` : '';
    return `${c.dim(clock(r.time))} ${c.red('ERROR')}${who} ${r.error.name}${r.error.code ? ` ${r.error.code}` : ''}: ${r.error.message}`;
  }
  return requestLine(r, c);
}

/** One JSON object per record: previews only, OpenIDs masked, no full message bodies. */
export function formatJson(r: LogRecord): string {
  if (r.type === 'error') {
    return JSON.stringify({
      time: new Date(r.time).toISOString(), level: r.level, type: r.type, error: r.error,
      ...(r.openId ? { openId: maskOpenId(r.openId) } : {}), ...(r.msgType ? { msgType: r.msgType } : {}),
    });
  }
  const m = r.message;
  return JSON.stringify({
    time: new Date(r.time).toISOString(), level: r.level, type: r.type, id: r.id, method: r.method, path: r.path,
    status: r.status, mode: r.mode, latencyMs: r.latencyMs,
    ...(r.verify ? { verify: true } : {}),
    ...(m ? { openId: maskOpenId(m.FromUserName), msgType: messageKind(m), content: preview(messagePreview(m), 120) } : {}),
    ...(r.reply ? { reply: { MsgType: r.reply.MsgType, preview: preview(replyPreview(r.reply), 120) } } : {}),
    dedupe: r.dedupe, late: r.late,
    ...(r.reason ? { reason: r.reason } : {}),
  });
}
