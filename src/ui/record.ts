/**
 * Exchanges for the inspector, from the two places they are seen: the phone's own pushes (judged the
 * way WeChat would judge the answer) and the requests `wxbot serve` handled for anyone else.
 */
import { buildMessageXml } from '../protocol/build-message.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { Exchange } from '../server/types.js';
import { WECHAT_TIMEOUT_MS } from '../simulate/ids.js';
import type { SimulateMode } from '../simulate/push.js';
import { unseenReply } from '../simulate/reply-checks.js';
import type { SimulateResult } from '../simulate/send.js';
import type { NewExchange } from './exchange-log.js';
import { messageLabel } from './phone-message.js';
import type { UiMessage, UiOutcome } from './wire.js';

/** WeChat's own words when a push gets no usable answer. */
export const SERVICE_NOTICE = '该公众号暂时无法提供服务，请稍后再试';

function queryOf(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const [k, v] of new URL(url).searchParams) out[k] = v;
  } catch {
    // an unparsable URL has no query to show
  }
  return out;
}

const asUi = (m: WechatMessage) => m as unknown as UiMessage;

/** A reply as the phone shows it: marked unseen when WeChat never shows a reply to this message. */
function replied(message: WechatMessage, reply: object): UiOutcome {
  const outcome: UiOutcome = { kind: 'reply', reply: reply as { MsgType: string } };
  if (unseenReply(message)) outcome.unseen = true;
  return outcome;
}

/** A push the phone made, with the judge's verdict deciding what the user sees. */
export function fromPhone(
  message: WechatMessage,
  mode: SimulateMode,
  r: SimulateResult,
  replayOf?: number,
): NewExchange {
  let outcome: UiOutcome;
  if (r.problems.length > 0) outcome = { kind: 'notice', why: r.problems[0]! };
  else if (r.reply) outcome = replied(message, r.reply);
  else outcome = { kind: 'none' };
  const x: NewExchange = {
    time: Date.now(),
    source: 'phone',
    user: message.FromUserName,
    mode,
    label: messageLabel(message),
    message: asUi(message),
    outcome,
    status: r.status,
    ms: r.ms,
    problems: r.problems.length,
    warnings: r.warnings.length,
    method: r.request.method,
    url: r.request.url,
    query: queryOf(r.request.url),
    requestBody: r.request.body,
    requestXml: r.request.xml === r.request.body ? null : r.request.xml,
    replyBody: r.raw,
    replyXml: r.decrypted ?? null,
    problemList: r.problems,
    warningList: r.warnings,
    limitMs: WECHAT_TIMEOUT_MS,
  };
  if (replayOf !== undefined) x.replayOf = replayOf;
  if (r.deliveries && r.deliveries.length > 1)
    x.deliveries = r.deliveries.map(({ attempt, outcome, status, ms }) => ({ attempt, outcome, status, ms }));
  return x;
}

/** A push that never reached the server. */
export function unreachable(message: WechatMessage, mode: SimulateMode, url: string, why: string): NewExchange {
  return {
    time: Date.now(),
    source: 'phone',
    user: message.FromUserName,
    mode,
    label: messageLabel(message),
    message: asUi(message),
    outcome: { kind: 'notice', why },
    status: null,
    ms: 0,
    problems: 1,
    warnings: 0,
    method: 'POST',
    url,
    query: queryOf(url),
    requestBody: buildMessageXml(message),
    requestXml: null,
    replyBody: null,
    replyXml: null,
    problemList: [why],
    warningList: [],
    limitMs: WECHAT_TIMEOUT_MS,
  };
}

/** A request `wxbot serve` answered (real WeChat through a tunnel, `wxbot simulate`, curl…). */
export function fromServer(x: Exchange, origin: string): NewExchange {
  const m = x.message;
  const ack = x.reply === '' || x.reply === 'success';
  const problems: string[] = [];
  if (x.status !== 200) problems.push(`HTTP ${x.status}${x.error ? `: ${x.error}` : ''}`);
  else if (x.error) problems.push(x.error);
  if (x.latencyMs > WECHAT_TIMEOUT_MS) problems.push(`answered after ${x.latencyMs} ms; WeChat gives up after 5 s`);
  const warnings = x.late && !x.slow ? ['the bot missed the deadline: `success` was answered'] : [];
  if (x.dedupe) warnings.push('a re-sent message, answered from the first delivery');
  let outcome: UiOutcome;
  if (x.status !== 200 || problems.length > 0) outcome = { kind: 'notice', why: problems[0] ?? `HTTP ${x.status}` };
  else if (m && x.replyParsed) outcome = replied(m, x.replyParsed);
  else outcome = { kind: 'none' };
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.query)) if (typeof v === 'string') query[k] = v;
  const qs = new URLSearchParams(query).toString();
  return {
    time: Date.parse(x.time),
    source: 'server',
    user: m?.FromUserName ?? query.openid ?? '',
    mode: x.mode,
    label: m ? messageLabel(m) : x.method === 'GET' ? 'GET verify' : `${x.method} (no readable message)`,
    message: m ? asUi(m) : null,
    outcome: m ? outcome : ack && x.status === 200 ? { kind: 'none' } : outcome,
    status: x.status,
    ms: x.latencyMs,
    problems: problems.length,
    warnings: warnings.length,
    method: x.method,
    url: `${origin}${x.path}${qs ? `?${qs}` : ''}`,
    query,
    requestBody: x.body,
    requestXml: m && x.mode !== 'plain' ? buildMessageXml(m) : null,
    replyBody: x.reply,
    replyXml: x.mode !== 'plain' ? (x.replyXml ?? null) : null,
    problemList: problems,
    warningList: warnings,
    limitMs: WECHAT_TIMEOUT_MS,
  };
}
