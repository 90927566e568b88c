/**
 * judgeReply: the verdict WeChat would give on one HTTP answer to a push (protocol.md §5).
 * Pure: no I/O, so the same judge serves `wxbot simulate`, the tunnel self-check and tests.
 * Problems are what makes WeChat fail the reply; warnings are tolerated but signal a bug.
 */
import { MessageCipher } from '../protocol/crypto.js';
import { parseEnvelope, verifyEnvelope, type Envelope } from '../protocol/envelope.js';
import type { WxbotError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import { computeMsgSignature, computeSignature } from '../protocol/signature.js';
import { parseXml, text } from '../protocol/xml.js';
import { describeNonXml, describeWhitespace, redirectProblem, refusedAsUnsigned, seconds } from './describe.js';
import type { HttpResponse } from './http.js';
import { WECHAT_TIMEOUT_MS } from './ids.js';
import type { SimulateMode } from './push.js';
import { checkReplyXml, type Findings, type ParsedReply } from './reply-checks.js';

export interface JudgeReplyInput {
  /** The message that was pushed, and how it was sent. */
  request: { message: WechatMessage; mode: SimulateMode };
  /** What the server answered. */
  response: Pick<HttpResponse, 'status' | 'body' | 'ms'> & Partial<Pick<HttpResponse, 'headers' | 'truncated'>>;
  settings: {
    token: string;
    aesKey?: string;
    appId?: string;
    /** WeChat's deadline; default 5000 ms. */
    limitMs?: number;
    /** Clock for the CreateTime sanity check (ms). */
    now?: number;
  };
}

export interface ReplyJudgement {
  /** The reply with WeChat's field names, decrypted when it was encrypted; null for an ack or a rejected body. */
  reply: ParsedReply | null;
  /** "success" or "" when the server said "nothing to send"; null otherwise. */
  ack: 'success' | '' | null;
  /** The plaintext reply XML inside an encrypted envelope. */
  decrypted?: string;
  problems: string[];
  warnings: string[];
}

function checkTiming(ms: number, limit: number, f: Findings): void {
  if (ms > limit) {
    f.problems.push(
      `answered after ${seconds(ms)}: WeChat gives up after ${seconds(limit)}, re-sends the message, and finally shows the user "该公众号暂时无法提供服务，请稍后再试"`,
    );
  } else if (ms > limit * 0.8) {
    f.warnings.push(
      `took ${seconds(ms)} of WeChat's ${seconds(limit)}: the network between WeChat and your server eats into what is left`,
    );
  }
}

function checkStatus(r: JudgeReplyInput['response'], f: Findings): boolean {
  if (r.status === 200) return true;
  const redirect = redirectProblem(r.status, r.headers?.location);
  if (redirect) {
    f.problems.push(redirect);
  } else {
    const why = refusedAsUnsigned(r.status)
      ? ' — the server refused the push: if it checks signatures, its Token (or, encrypted, its EncodingAESKey/AppID) differs from the one used here'
      : r.status === 404 || r.status === 405
        ? ' — nothing accepts POST at this URL; check the path'
        : '';
    f.problems.push(
      `HTTP ${r.status}${why}: WeChat only accepts 200 and shows the user "该公众号暂时无法提供服务，请稍后再试"`,
    );
  }
  return false;
}

/** "success" or an empty body mean "handled, nothing to send" (§5.3), in every mode. */
function ackOf(body: string, f: Findings): 'success' | '' | null {
  if (body === 'success' || body === '') return body;
  const t = body.trim();
  if (t === 'success') {
    f.warnings.push(`"success" with ${describeWhitespace(body, 'success')}: send exactly the 7 bytes "success"`);
    return 'success';
  }
  if (t === '') {
    f.warnings.push('a whitespace-only body: send exactly "success" or nothing at all');
    return '';
  }
  return null;
}

function openEnvelope(body: string, s: JudgeReplyInput['settings'], f: Findings): string | null {
  let e: Envelope;
  try {
    e = parseEnvelope(body);
  } catch (err) {
    f.problems.push(
      `the encrypted reply is incomplete: ${(err as WxbotError).message} (it needs Encrypt, MsgSignature, TimeStamp and Nonce)`,
    );
    return null;
  }
  if (!verifyEnvelope(e, s.token)) {
    const expected = computeMsgSignature(s.token, e.TimeStamp, e.Nonce, e.Encrypt);
    const hint =
      e.MsgSignature === computeSignature(s.token, e.TimeStamp, e.Nonce)
        ? ' — it is the plain signature; Encrypt must join the sorted list'
        : ' — is the Token the same on both sides?';
    f.problems.push(
      `the reply's MsgSignature does not verify: sha1(sort(Token, TimeStamp, Nonce, Encrypt)) is ${expected}, the reply says ${e.MsgSignature}${hint}`,
    );
  }
  if (e.TimeStamp.length >= 13)
    f.warnings.push(`the envelope's TimeStamp ${e.TimeStamp} is in milliseconds; WeChat expects Unix seconds`);
  if (!s.aesKey || !s.appId) {
    f.problems.push('the reply is encrypted but no EncodingAESKey/AppID is configured here to check it');
    return null;
  }
  try {
    const { message, appId } = new MessageCipher(s.aesKey, s.appId).decryptRaw(e.Encrypt);
    if (appId !== s.appId) {
      f.problems.push(
        `the encrypted reply ends with AppID ${JSON.stringify(appId)} but the account's AppID is ${JSON.stringify(s.appId)}: WeChat rejects it`,
      );
    }
    return message;
  } catch (err) {
    f.problems.push(
      `the encrypted reply does not decrypt: ${(err as WxbotError).message} — is the EncodingAESKey the same on both sides?`,
    );
    return null;
  }
}

export function judgeReply({ request, response, settings }: JudgeReplyInput): ReplyJudgement {
  const f: Findings = { problems: [], warnings: [] };
  const out: ReplyJudgement = { reply: null, ack: null, problems: f.problems, warnings: f.warnings };
  checkTiming(response.ms, settings.limitMs ?? WECHAT_TIMEOUT_MS, f);
  if (!checkStatus(response, f)) return out;
  if (response.truncated) {
    f.problems.push('the body is larger than 1 MiB: no WeChat reply is that big');
    return out;
  }
  const body = response.body;
  out.ack = ackOf(body, f);
  if (out.ack !== null) return out;

  let encrypted: boolean;
  try {
    encrypted = text(parseXml(body), 'Encrypt') !== undefined;
  } catch (err) {
    f.problems.push(describeNonXml(body, (err as WxbotError).message));
    return out;
  }
  let xml: string | null = body;
  if (encrypted) {
    if (request.mode === 'plain')
      f.problems.push(
        'an encrypted reply to a plaintext-mode request: WeChat does not decrypt replies in plaintext mode',
      );
    xml = openEnvelope(body, settings, f);
    if (xml === null) return out;
    out.decrypted = xml;
  } else if (request.mode === 'safe') {
    f.problems.push(
      'a plaintext XML reply to a safe-mode request: WeChat expects the encrypted envelope (Encrypt, MsgSignature, TimeStamp, Nonce)',
    );
  } else if (request.mode === 'compat') {
    f.warnings.push(
      'a plaintext XML reply to an encrypted request: compatible mode accepts it, but it breaks as soon as the console is switched to safe mode',
    );
  }
  out.reply = checkReplyXml(xml, request.message, settings.now ?? Date.now(), f);
  return out;
}
