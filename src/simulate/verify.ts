/**
 * The console's URL check (protocol.md §1): a signed GET whose body must be the echostr,
 * byte for byte. `judgeEcho` is the pure verdict; `verifyUrl` makes the request.
 */
import { computeSignature } from '../protocol/signature.js';
import { BOM, describeWhitespace, preview, redirectProblem, refusedAsUnsigned, seconds } from './describe.js';
import { httpExchange, type HttpResponse } from './http.js';
import { newEchostr, newNonce, unixSeconds, WECHAT_TIMEOUT_MS } from './ids.js';
import { withQuery } from './url.js';

export interface EchoVerdict {
  ok: boolean;
  problems: string[];
  warnings: string[];
}

function statusProblem(r: Pick<HttpResponse, 'status'> & Partial<Pick<HttpResponse, 'headers'>>): string {
  const redirect = redirectProblem(r.status, r.headers?.location);
  if (redirect) return redirect;
  if (refusedAsUnsigned(r.status)) {
    return `HTTP ${r.status}: the server rejected a correctly signed request — its Token differs from the one used here, or it computes the signature differently (sort Token, timestamp, nonce as plain strings, join with no separator, sha1, lowercase hex)`;
  }
  if (r.status === 404 || r.status === 405)
    return `HTTP ${r.status}: nothing answers GET at this URL — check the path, and that the route accepts GET as well as POST`;
  return `HTTP ${r.status}: WeChat needs 200 with the echostr as the body`;
}

// Where each kind of whitespace around the echostr comes from, and its fix.
function whitespaceAdvice(body: string, echostr: string): string {
  const at = body.indexOf(echostr);
  const lead = body.slice(0, at);
  const trail = body.slice(at + echostr.length);
  const advice: string[] = [];
  if (lead.startsWith(BOM)) {
    advice.push(
      'a BOM comes from a source file saved as "UTF-8 with BOM", typically a PHP file, or a file it includes: save it as UTF-8 without BOM',
    );
  }
  if (lead.replace(BOM, '') !== '') {
    advice.push(
      'something is printed before the echostr (a blank line before `<?php`, a template): print nothing else',
    );
  }
  if (/[\r\n]/.test(trail)) advice.push('print/println/echo add a newline: write the raw string');
  else if (trail) advice.push('nothing may follow the echostr: write the raw string');
  return advice.join('; ');
}

// The echostr is there, but dressed up: say how, since each has a different fix.
function wrapped(body: string, echostr: string): string {
  const t = body.trim();
  if (t === echostr) {
    return `the body is the echostr with ${describeWhitespace(body, echostr)}: WeChat compares bytes, so the console says "Token验证失败" (${whitespaceAdvice(body, echostr)})`;
  }
  if (/<(html|body|p|pre|div|!doctype)[\s>]/i.test(body)) {
    return `the echostr is wrapped in HTML: ${preview(body)} — return it as text/plain, not through a template`;
  }
  try {
    const j: unknown = JSON.parse(t);
    if (j === echostr)
      return `the echostr is JSON-encoded (${preview(body)}): the framework serialised the string as JSON; return the raw text`;
    if (typeof j === 'object' && j !== null)
      return `the echostr is wrapped in a JSON object: ${preview(body)} — return only the raw echostr`;
  } catch {
    // not JSON
  }
  if (/^['"`].*['"`]$/.test(t) && t.slice(1, -1) === echostr)
    return `the echostr is wrapped in quotes: ${preview(body)} — return it without quotes`;
  return `the body contains the echostr with other text around it: ${preview(body)} — return only the echostr`;
}

/** Judges a GET answer: HTTP 200 and exactly the echostr, in time. */
export function judgeEcho(
  echostr: string,
  response: Pick<HttpResponse, 'status' | 'body' | 'ms'> & Partial<Pick<HttpResponse, 'headers'>>,
  limitMs = WECHAT_TIMEOUT_MS,
): EchoVerdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (response.ms > limitMs)
    problems.push(`answered after ${seconds(response.ms)}: WeChat gives up after ${seconds(limitMs)}`);
  if (response.status !== 200) problems.push(statusProblem(response));
  else if (response.body === echostr) {
    // exact: nothing to say
  } else if (response.body.includes(echostr)) problems.push(wrapped(response.body, echostr));
  else if (response.body === '')
    problems.push('the body is empty: the server must answer the GET with the echostr parameter, exactly as received');
  else {
    const hint = response.body.trim() === 'success' ? ' (the server answered the GET like a message push)' : '';
    problems.push(
      `the body is not the echostr: expected ${JSON.stringify(echostr)}, got ${preview(response.body)}${hint}`,
    );
  }
  return { ok: problems.length === 0, problems, warnings };
}

export interface VerifyUrlOptions {
  url: string;
  token: string;
  /** Per-request deadline; default 5000 ms like WeChat. */
  timeoutMs?: number;
  echostr?: string;
  timestamp?: string;
  nonce?: string;
  /** Also send a wrongly signed GET and warn if it is echoed too (default true). */
  probeBadSignature?: boolean;
}

export interface VerifyUrlResult extends EchoVerdict {
  /** HTTP status, or null when no answer came. */
  status: number | null;
  ms: number;
  echostr: string;
  /** The response body as received. */
  raw: string | null;
  request: { method: 'GET'; url: string };
  /**
   * What the wrongly signed GET got, when it was sent: its HTTP status (401 or 403 from a server that
   * checks signatures), or null without an answer. Its line in the server's log is this probe.
   */
  badSignatureStatus?: number | null;
}

function signedUrl(o: VerifyUrlOptions, token: string, echostr: string): string {
  const timestamp = o.timestamp ?? String(unixSeconds());
  const nonce = o.nonce ?? newNonce();
  // Parameter order as in the official example.
  return withQuery(o.url, { signature: computeSignature(token, timestamp, nonce), echostr, timestamp, nonce });
}

/** Sends the console's GET check. Throws SIMULATE_NETWORK when the server cannot be reached. */
export async function verifyUrl(o: VerifyUrlOptions): Promise<VerifyUrlResult> {
  const timeoutMs = o.timeoutMs ?? WECHAT_TIMEOUT_MS;
  const echostr = o.echostr ?? newEchostr();
  const url = signedUrl(o, o.token, echostr);
  const res = await httpExchange({ method: 'GET', url, timeoutMs });
  const base = { echostr, request: { method: 'GET' as const, url } };
  if (res.kind !== 'response') {
    const problem =
      res.kind === 'timeout'
        ? `no answer within ${seconds(timeoutMs)}: WeChat gives up after ${seconds(WECHAT_TIMEOUT_MS)} and the console says the request timed out`
        : `the server closed the connection without answering (${res.reason})`;
    return { ...base, ok: false, status: null, ms: res.ms, raw: null, problems: [problem], warnings: [] };
  }
  const verdict = judgeEcho(echostr, res, WECHAT_TIMEOUT_MS);
  const result: VerifyUrlResult = { ...base, ...verdict, status: res.status, ms: res.ms, raw: res.body };
  if (verdict.ok && o.probeBadSignature !== false)
    result.badSignatureStatus = await probeBadSignature(o, timeoutMs, result);
  return result;
}

/**
 * The probe, said once the check passed: a refused wrong signature is what a server should do, and
 * explains the 401 the server logs right after the check. Undefined when there is nothing to say
 * (not sent, no answer; an echo is a warning of its own).
 */
export function badSignatureNote(r: Pick<VerifyUrlResult, 'badSignatureStatus'>): string | undefined {
  const s = r.badSignatureStatus;
  if (refusedAsUnsigned(s)) return `a wrongly signed GET got HTTP ${s}, as it should (the ${s} in the server's log)`;
  return undefined;
}

// A server that echoes whatever it is sent passes WeChat's check but lets anyone impersonate WeChat.
async function probeBadSignature(o: VerifyUrlOptions, timeoutMs: number, verdict: EchoVerdict): Promise<number | null> {
  const echostr = newEchostr();
  const res = await httpExchange({ method: 'GET', url: signedUrl(o, `${o.token}-wrong`, echostr), timeoutMs }).catch(
    () => null,
  );
  if (res?.kind !== 'response') return null;
  if (res.status === 200 && res.body.includes(echostr)) {
    verdict.warnings.push(
      'the server also echoes a GET with a wrong signature: it does not check signatures, so anyone can pass as WeChat',
    );
  }
  return res.status;
}
