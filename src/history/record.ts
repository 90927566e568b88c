import type { WechatMessage } from '../protocol/messages.js';
import type { Exchange } from '../server/types.js';
import type { HistoryInput } from './entry.js';
import { HistoryFile, historyPath } from './file.js';
import { ENTRY_LIMIT, redactEntry } from './redact.js';

/** The words of a message worth seeing in a list: text, recognised speech, a place, a link, a picture. */
function summaryOf(m: WechatMessage): string | undefined {
  const r = m as unknown as Record<string, unknown>;
  for (const k of ['Content', 'Recognition', 'Label', 'Url', 'PicUrl', 'EventKey']) {
    const v = r[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

/** Maps the server's exchange record onto a history entry (before redaction). */
export function historyInputOf(x: Exchange, server?: string): HistoryInput {
  const verify = x.method === 'GET' && x.query.echostr !== undefined;
  const input: HistoryInput = {
    at: x.time,
    method: x.method,
    path: x.path,
    query: Object.fromEntries(Object.entries(x.query).filter((e): e is [string, string] => typeof e[1] === 'string')),
    body: x.body,
    mode: verify ? 'verify' : x.mode,
    message: x.message ?? null,
    status: x.status,
    // The plaintext reply when it was encrypted on the wire: the envelope alone says nothing to a reader.
    reply: x.replyXml ?? x.reply,
    latencyMs: x.latencyMs,
  };
  if (x.message) {
    input.msgType = x.message.MsgType;
    const ev = (x.message as { Event?: unknown }).Event;
    if (typeof ev === 'string') input.event = ev;
    input.from = x.message.FromUserName;
    const content = summaryOf(x.message);
    if (content !== undefined) input.content = content;
  }
  if (server) input.server = server;
  if (x.dedupe) input.dedupe = true;
  if (x.late) input.late = true;
  if (x.slow) input.slow = x.slow;
  const cs = x.customService;
  if (cs) {
    input.customService = { sent: cs.sent, to: cs.openid, api: cs.api, message: cs.message };
    if (cs.response) Object.assign(input.customService, cs.response);
  }
  if (x.delivery !== undefined) input.delivery = x.delivery;
  if (x.error) input.error = x.error;
  return input;
}

export interface HistoryRecorderOptions {
  /** Default: `.wxbot/history.ndjson` in the working directory. */
  path?: string;
  cwd?: string;
  /** Token, EncodingAESKey, AppSecret, provider keys: blanked out of every entry. */
  secrets: readonly (string | undefined)[];
  limit?: number;
  /** Longest time an exchange waits in memory before it is written (default 500 ms; 20 ms after a quiet spell). */
  flushMs?: number;
  onError?: (err: unknown) => void;
}

export interface HistoryRecorder {
  readonly file: HistoryFile;
  /** Pass as `createHandler(bot, { onExchange: recorder.onExchange })`. */
  onExchange: (x: Exchange) => void;
  /** The server's base URL once it listens, stored with each entry for `wxbot replay`. */
  setServerUrl(url: string): void;
  /** Writes everything recorded so far and waits for it (call on shutdown). */
  close(): Promise<void>;
}

/**
 * Records every exchange into the history file, redacted, without ever throwing into the request path.
 * The request path only queues the exchange: mapping, redaction and serialisation happen in the
 * history file's periodic flush, and only for exchanges still among the last N by then.
 */
export function createHistoryRecorder(o: HistoryRecorderOptions): HistoryRecorder {
  const file = new HistoryFile(o.path ?? historyPath(o.cwd), {
    limit: o.limit,
    flushMs: o.flushMs,
    onError: o.onError,
  });
  let server: string | undefined;
  // Frozen copy: redaction prepares the list once for it, and later changes to the caller's array cannot slip in.
  const secrets = Object.freeze([...o.secrets]);
  return {
    file,
    onExchange(x) {
      // The URL as it was when the exchange happened, not when it is built.
      const at = server;
      if (x.body.length <= ENTRY_LIMIT) file.record(() => redactEntry(historyInputOf(x, at), secrets));
      else {
        // A large request is cut down now rather than at the next write: until then the queue would
        // hold the whole body and message of each (hundreds of MB at a few hundred large requests a second).
        const input = redactEntry(historyInputOf(x, at), secrets);
        file.record(() => input);
      }
    },
    setServerUrl(url) {
      server = url.replace(/\/+$/, '');
    },
    close: () => file.flush(),
  };
}

export { secretsFromEnv } from '../config/mask.js';
