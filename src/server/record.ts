import type { HandlerSettings } from './handler-settings.js';
import { ExchangeRecord } from './exchange.js';
import { pathOf } from './query.js';
import { nextRequestId } from './request-id.js';
import type { RequestLog } from './types.js';
import type { WebhookRequest } from './webhook-request.js';

export function toErrorInfo(err: unknown): { name: string; code?: string; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message };
  }
  return { name: 'Error', message: String(err) };
}

/**
 * The record step, once a request is answered and only when someone listens: the handler's error
 * (if any) and the request's line for onLog, the whole exchange for onExchange (the history).
 */
export function recordRequest(s: HandlerSettings, r: WebhookRequest): void {
  const latencyMs = Math.round((performance.now() - r.t0) * 100) / 100;
  const id = nextRequestId();
  const method = r.req.method ?? '';
  const path = pathOf(r.url);
  if (s.onLog) {
    if (r.error !== undefined) {
      s.emit({
        type: 'error',
        level: 'error',
        time: Date.now(),
        error: toErrorInfo(r.error),
        openId: r.message?.FromUserName,
        msgType: r.message?.MsgType,
      });
    }
    // Built field by field (no spreads): this runs once per request when logging is on.
    const line: RequestLog = {
      type: 'request',
      level: r.status >= 500 ? 'error' : r.status >= 400 ? 'warn' : 'info',
      time: r.receivedAt,
      id,
      method,
      path,
      status: r.status,
      mode: r.mode,
      latencyMs,
      dedupe: r.dedupe,
      late: r.late,
    };
    if (r.verify) line.verify = true;
    if (r.message) line.message = r.message;
    if (r.reply) line.reply = r.reply;
    if (r.reason) line.reason = r.reason;
    if (r.slow) {
      line.slow = r.slow;
      if (r.delivery !== undefined) line.delivery = r.delivery;
    }
    s.emit(line);
  }
  if (s.onExchange) {
    const x = new ExchangeRecord(
      id,
      r.receivedAt,
      method,
      path,
      r.query?.present() ?? {},
      typeof r.body === 'string' ? r.body : r.body.toString('utf8'),
      r.mode,
      r.status,
      r.response,
      latencyMs,
      r.dedupe,
      r.late,
    );
    if (r.message) {
      x.message = r.message;
      // A late answer to it is recorded aside, after this: it says how its message came in.
      if (s.asides) s.noteOrigin(r.message, r.mode, path);
    }
    if (r.reply) x.setReply(r.reply, r.repliedAt);
    if (r.replyXml) x.replyXml = r.replyXml;
    const err = r.reason ?? (r.error !== undefined ? toErrorInfo(r.error).message : undefined);
    if (err) x.error = err;
    if (r.slow) {
      x.slow = r.slow;
      x.delivery = r.delivery;
    }
    try {
      s.onExchange(x);
    } catch {
      // the history is best effort
    }
  }
}
