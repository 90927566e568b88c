import { child, parseXml, text, type XmlNode } from '../protocol/xml.js';
import type { HistoryEntry } from './entry.js';

/** One line, for the terminal: newlines and runs of spaces folded, long text cut with an ellipsis. */
export function preview(s: string | null | undefined, max = 40): string {
  if (!s) return '';
  const flat = s.replace(/\s+/g, ' ').trim();
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

/** The first Title of a news, video or music reply. */
function replyTitle(n: XmlNode): string | undefined {
  const holder = child(n, 'Video') ?? child(n, 'Music') ?? child(child(n, 'Articles') ?? {}, 'item');
  return holder ? text(holder, 'Title') : undefined;
}

/**
 * The text of a reply XML, or the reply itself when it is `success`/an echo/empty. Read with the
 * protocol's XML parser, so CDATA split around `]]>` and entity-escaped text come out as sent.
 */
export function replyPreview(reply: string | null): string {
  if (reply === null) return '(no reply)';
  if (reply === '' || reply === 'success') return reply === '' ? '(empty)' : 'success';
  let n: XmlNode;
  try {
    n = parseXml(reply);
  } catch {
    return preview(reply);
  }
  const type = text(n, 'MsgType');
  const content = text(n, 'Content');
  if (type === 'text' && content !== undefined) return preview(content);
  const title = replyTitle(n);
  return type ? `[${type}]${title ? ` ${preview(title, 30)}` : ''}` : preview(reply);
}

/** What came in: `text 你好`, `event subscribe`, `verify`. */
export function requestPreview(e: HistoryEntry): string {
  if (e.mode === 'verify') return 'GET verify';
  if (!e.msgType) return e.error ? `(${preview(e.error, 36)})` : '(unreadable)';
  if (e.msgType === 'event') return `event ${e.event ?? ''}`.trim();
  return e.content ? `${e.msgType} ${preview(e.content, 30)}` : e.msgType;
}

/** Column titles matching formatHistoryLine. */
export const HISTORY_HEADER = `${'id'.padStart(4)}  ${'time'.padEnd(8)}  ${'mode'.padEnd(6)}  ${'status'.padStart(6)}  ${'latency'.padStart(7)}  request  →  reply`;

/**
 * The retry window's step, short: `held 1`, `answered 2`, `waiting 3`, `pending`, `kept for next
 * message`; or a late answer's fate in the customer-service API.
 */
function slowFlag(e: HistoryEntry): string {
  const step = e.slow!;
  const delivery = e.delivery;
  if (step === 'custom-service') return customServiceFlag(e.customService);
  if (step === 'stored') return 'kept for the next message';
  if (step === 'pending') return 'pending answer';
  return delivery === undefined ? step : `${step} on delivery ${delivery}`;
}

function customServiceFlag(cs: HistoryEntry['customService']): string {
  if (!cs) return 'late answer, customer-service API';
  if (cs.sent) return `late answer sent to ${cs.to} through the customer-service API`;
  if (cs.errcode !== undefined)
    return `late answer NOT delivered: the customer-service API answered errcode ${cs.errcode}`;
  return `late answer NOT sent: ${preview(cs.message, 60)}`;
}

/** `  12  10:42:07  safe       200     35ms  text 你好  →  你好呀` */
export function formatHistoryLine(e: HistoryEntry): string {
  const time = new Date(e.at).toTimeString().slice(0, 8);
  const flags = `${e.dedupe ? ' (retry)' : ''}${e.late ? ' (late)' : ''}${e.slow ? ` (${slowFlag(e)})` : ''}`;
  return (
    `${String(e.id).padStart(4)}  ${time}  ${e.mode.padEnd(6)}  ${String(e.status).padStart(6)}  ${`${Math.round(e.latencyMs)}ms`.padStart(7)}  ` +
    `${requestPreview(e)}${flags}  →  ${replyPreview(e.reply)}`
  );
}
