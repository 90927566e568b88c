/**
 * sendMessage: push one message the way WeChat does and judge the answer. With `retry`, a
 * delivery that gets no answer is re-sent unchanged (same MsgId, CreateTime, query) on a fresh
 * connection, three deliveries in all, like WeChat (protocol.md §5.3).
 */
import type { WechatMessage } from '../protocol/messages.js';
import { seconds } from './describe.js';
import { SimulateError } from './errors.js';
import { httpExchange, type HttpOutcome } from './http.js';
import { WECHAT_TIMEOUT_MS } from './ids.js';
import { judgeReply, type ReplyJudgement } from './judge.js';
import { buildPushRequest, type PushOptions, type PushRequest, type SimulateSettings } from './push.js';
import type { ParsedReply } from './reply-checks.js';

/**
 * WeChat's deliveries of one unanswered push. "总共重试三次" reads either way (protocol.md §5.3);
 * three in all is the reading a server that holds deliveries must survive, so that is what is played.
 */
export const WECHAT_DELIVERIES = 3;

export interface SendMessageOptions {
  url: string;
  message: WechatMessage;
  settings: SimulateSettings;
  /** Deadline per delivery; default 5000 ms like WeChat (shorten it in tests). */
  timeoutMs?: number;
  retry?: boolean;
  push?: PushOptions;
}

/** What happened to one delivery of the same push. */
export interface SimulateDelivery {
  attempt: number;
  outcome: 'answered' | 'timeout' | 'dropped' | 'unreachable';
  status: number | null;
  ms: number;
  ack: 'success' | '' | null;
  /** The reply's MsgType when it carried one. */
  replyType: string | null;
  problems: string[];
}

export interface SimulateResult {
  /** HTTP status of the answered delivery, or null when none was answered. */
  status: number | null;
  ms: number;
  reply: ParsedReply | null;
  ack: 'success' | '' | null;
  /** The response body exactly as received. */
  raw: string | null;
  problems: string[];
  warnings: string[];
  /** The plaintext reply XML, when the reply was encrypted. */
  decrypted?: string;
  request: Pick<PushRequest, 'method' | 'url' | 'body' | 'xml'>;
  /** Every delivery, when sent with `retry`. */
  deliveries?: SimulateDelivery[];
  /** Which delivery got the answer (1-based), or null when none did; with `retry` only. */
  answeredBy?: number | null;
}

function describeMiss(o: Exclude<HttpOutcome, { kind: 'response' }>, timeoutMs: number): string {
  return o.kind === 'timeout'
    ? `no answer within ${seconds(timeoutMs)}: WeChat drops the connection and re-sends the same message (${WECHAT_DELIVERIES} deliveries in all), then shows the user "该公众号暂时无法提供服务，请稍后再试"`
    : `the server closed the connection without answering (${o.reason})`;
}

async function deliver(
  req: PushRequest,
  timeoutMs: number,
): Promise<HttpOutcome | { kind: 'unreachable'; ms: number; reason: string }> {
  try {
    return await httpExchange({
      method: 'POST',
      url: req.url,
      body: req.body,
      headers: { 'content-type': 'text/xml' },
      timeoutMs,
    });
  } catch (err) {
    if (err instanceof SimulateError) return { kind: 'unreachable', ms: 0, reason: err.message };
    throw err;
  }
}

export async function sendMessage(o: SendMessageOptions): Promise<SimulateResult> {
  const timeoutMs = o.timeoutMs ?? WECHAT_TIMEOUT_MS;
  const req = buildPushRequest(o.url, o.message, o.settings, o.push);
  const request = { method: req.method, url: req.url, body: req.body, xml: req.xml };
  const deliveries: SimulateDelivery[] = [];
  const attempts = o.retry ? WECHAT_DELIVERIES : 1;
  let judged: { judgement: ReplyJudgement; status: number; ms: number; raw: string } | undefined;

  for (let attempt = 1; attempt <= attempts && !judged; attempt++) {
    const res = await deliver(req, timeoutMs);
    if (res.kind === 'unreachable') {
      // Nothing was ever reached: a network failure, not a verdict on the server.
      if (deliveries.length === 0) throw new SimulateError('SIMULATE_NETWORK', res.reason);
      deliveries.push({
        attempt,
        outcome: 'unreachable',
        status: null,
        ms: res.ms,
        ack: null,
        replyType: null,
        problems: [res.reason],
      });
      continue;
    }
    if (res.kind !== 'response') {
      deliveries.push({
        attempt,
        outcome: res.kind,
        status: null,
        ms: res.ms,
        ack: null,
        replyType: null,
        problems: [describeMiss(res, timeoutMs)],
      });
      continue;
    }
    const judgement = judgeReply({
      request: { message: o.message, mode: o.settings.mode },
      response: res,
      settings: { token: o.settings.token, aesKey: o.settings.aesKey, appId: o.settings.appId },
    });
    judged = { judgement, status: res.status, ms: res.ms, raw: res.body };
    deliveries.push({
      attempt,
      outcome: 'answered',
      status: res.status,
      ms: res.ms,
      ack: judgement.ack,
      replyType: judgement.reply?.MsgType ?? null,
      problems: judgement.problems,
    });
  }

  const result = judged ? resultOf(judged, request) : unanswered(deliveries, request);
  if (o.retry) {
    result.deliveries = deliveries;
    result.answeredBy = judged ? deliveries.length : null;
    if (judged && deliveries.length > 1) {
      result.warnings.unshift(
        `answered only on delivery ${deliveries.length} of the same message: the earlier ${deliveries.length - 1} went unanswered, so the user waited ${seconds(deliveries.reduce((t, d) => t + d.ms, 0))}; the server must not handle the re-sent message twice (dedupe by MsgId)`,
      );
    }
  }
  return result;
}

function resultOf(
  j: { judgement: ReplyJudgement; status: number; ms: number; raw: string },
  request: SimulateResult['request'],
): SimulateResult {
  const r: SimulateResult = {
    status: j.status,
    ms: j.ms,
    reply: j.judgement.reply,
    ack: j.judgement.ack,
    raw: j.raw,
    problems: j.judgement.problems,
    warnings: j.judgement.warnings,
    request,
  };
  if (j.judgement.decrypted !== undefined) r.decrypted = j.judgement.decrypted;
  return r;
}

function unanswered(deliveries: SimulateDelivery[], request: SimulateResult['request']): SimulateResult {
  const last = deliveries[deliveries.length - 1]!;
  const problems =
    deliveries.length === 1
      ? [...last.problems]
      : [
          `none of the ${deliveries.length} deliveries was answered (${deliveries.map((d) => d.outcome).join(', ')}): the user sees "该公众号暂时无法提供服务，请稍后再试"`,
        ];
  return { status: null, ms: last.ms, reply: null, ack: null, raw: null, problems, warnings: [], request };
}
