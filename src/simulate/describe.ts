/** Small wording helpers shared by the judges: problems must read as sentences, with the evidence. */

/** A short, quoted excerpt of a body: control characters visible, long bodies cut. */
export function preview(s: string, max = 80): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut);
}

/** 401 or 403: how a server that checks signatures refuses a request it cannot verify. */
export const refusedAsUnsigned = (status: number | null | undefined): boolean => status === 401 || status === 403;

/**
 * A 3xx answer, in the words both judges use (undefined for any other status): WeChat posts to the
 * console's URL as it is and never follows a Location.
 */
export function redirectProblem(status: number, location: string | undefined): string | undefined {
  if (status < 300 || status >= 400) return undefined;
  const to = location ? ` to ${location}` : '';
  return `HTTP ${status} redirect${to}: WeChat does not follow redirects; put the final URL (scheme, host, path, trailing slash) in the console`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** The byte order mark: U+FEFF, the bytes EF BB BF at the start of a file saved as "UTF-8 with BOM". */
export const BOM = '\uFEFF';

const WHITESPACE_NAMES: Record<string, string> = {
  '\n': 'newline (\\n)',
  '\r\n': 'CRLF (\\r\\n)',
  ' ': 'space',
  [BOM]: 'byte order mark (BOM)',
};

// A BOM followed by more whitespace (a PHP file with a BOM and a blank line) is named in two parts.
function nameWhitespace(w: string): string {
  const known = WHITESPACE_NAMES[w];
  if (known) return known;
  if (w.startsWith(BOM)) return `${WHITESPACE_NAMES[BOM]} and ${nameWhitespace(w.slice(1))}`;
  return `whitespace ${JSON.stringify(w)}`;
}

/** Names the whitespace around a value: "a trailing newline (\n)", "a leading space"… */
export function describeWhitespace(body: string, value: string): string {
  const at = body.indexOf(value);
  const lead = body.slice(0, at);
  const trail = body.slice(at + value.length);
  const name = nameWhitespace;
  const parts: string[] = [];
  if (lead) parts.push(`a leading ${name(lead)}`);
  if (trail) parts.push(`a trailing ${name(trail)}`);
  return parts.join(' and ');
}

/** Why a body is not XML, in words: HTML error pages and JSON are the usual suspects. */
export function describeNonXml(body: string, parseError: string): string {
  const t = body.trimStart();
  if (/^(<!doctype html|<html[\s>])/i.test(t) || /<(body|head|title)[\s>]/i.test(t)) {
    return `the body is an HTML page, not XML (often a framework error page or a proxy's login/redirect page): ${preview(body)}`;
  }
  if (/^[[{"]/.test(t)) {
    try {
      JSON.parse(t);
      return `the body is JSON; Official Accounts only accept XML replies, "success" or an empty body: ${preview(body)}`;
    } catch {
      // fall through: not JSON either
    }
  }
  return `the body is not "success", empty, or well-formed XML (${parseError}): ${preview(body)}`;
}
