/**
 * A late answer `wxbot serve` sent through the customer-service API (docs/guide/slow-replies.md), as
 * the inspector lists it and the phone draws it: a new message from the account, when it was sent,
 * marked when WeChat did not take it. Its message is the one it answers, shown in the label only: the
 * phone already drew it with its own exchange.
 */
import type { WechatMessage } from '../protocol/messages.js';
import type { Exchange } from '../server/types.js';
import { WECHAT_TIMEOUT_MS } from '../simulate/ids.js';
import { asCustomServiceSends } from '../wechat-api/custom-message.js';
import { ERRCODE_MEANINGS } from '../wechat-api/errors.js';
import type { LateReplyResult } from '../wechat-api/late-reply.js';
import type { NewExchange } from './exchange-log.js';
import { messageLabel } from './phone-message.js';
import type { UiCustomService } from './wire.js';

/** The errcode's meaning, or why wxbot kept the answer back (window closed, quota, unsupported type…). */
function whyNot(r: LateReplyResult): string {
  const errcode = r.response?.errcode;
  if (errcode === undefined) return r.message;
  const meaning = ERRCODE_MEANINGS[errcode] ?? r.response?.errmsg;
  return `errcode ${errcode}${meaning ? `: ${meaning}` : ''}`;
}

export function customServiceOf(r: LateReplyResult): UiCustomService {
  const cs: UiCustomService = { sent: r.sent, to: r.openid };
  if (r.sent) return cs;
  if (r.response) cs.errcode = r.response.errcode;
  cs.why = whyNot(r);
  if (r.hint) cs.hint = r.hint;
  return cs;
}

/** `x` carries no request: its message is the one `r`'s answer replies to. */
export function fromCustomService(x: Exchange, m: WechatMessage, r: LateReplyResult): NewExchange {
  const cs = customServiceOf(r);
  const problems = r.sent ? [] : [`not delivered: ${r.message}`];
  return {
    time: Date.parse(x.time),
    source: 'server',
    user: m.FromUserName,
    mode: x.mode,
    label: `客服消息 → ${messageLabel(m)}`,
    message: null,
    outcome: x.replyParsed
      ? { kind: 'reply', reply: asCustomServiceSends(x.replyParsed) as unknown as { MsgType: string } }
      : { kind: 'none' },
    status: null,
    ms: 0,
    problems: problems.length,
    warnings: 0,
    method: 'POST',
    // The path only: the access_token the call carried stays out of the page.
    url: r.api,
    query: {},
    requestBody: r.request ? JSON.stringify(r.request, null, 2) : '(nothing was sent)',
    requestXml: null,
    replyBody: r.response ? JSON.stringify(r.response) : null,
    replyXml: null,
    problemList: problems,
    warningList: [],
    limitMs: WECHAT_TIMEOUT_MS,
    customService: cs,
  };
}
