import { NGROK_AUTHTOKEN_URL, NGROK_DOMAINS_URL, PUBLIC_URL_HINT, TunnelError } from './errors.js';

// ngrok's documented error codes (https://ngrok.com/docs/errors/), grouped by what the user must do.
const AUTH_CODES = new Set(['ERR_NGROK_105', 'ERR_NGROK_106', 'ERR_NGROK_107', 'ERR_NGROK_4018']);
const DOMAIN_CODES = new Set([
  'ERR_NGROK_313',
  'ERR_NGROK_319',
  'ERR_NGROK_320',
  'ERR_NGROK_354',
  'ERR_NGROK_401',
  'ERR_NGROK_412',
  'ERR_NGROK_7117',
  'ERR_NGROK_7118',
]);
const DOMAIN_IN_USE_CODES = new Set(['ERR_NGROK_334']);
const SESSION_LIMIT_CODES = new Set(['ERR_NGROK_108']);

export interface NgrokErrorContext {
  authtoken?: string;
  domain?: string;
}

/** The SDK echoes the authtoken in some messages (ERR_NGROK_105 "Your authtoken: ..."): never pass it on. */
export function scrubAuthtoken(message: string, authtoken: string | undefined): string {
  let out = authtoken && authtoken.length >= 4 ? message.split(authtoken).join('[authtoken]') : message;
  out = out.replace(/(authtoken:?\s*)[A-Za-z0-9_-]{16,}/gi, '$1[authtoken]');
  return out.trim();
}

function ngrokCodeOf(err: { errorCode?: unknown; message?: unknown }): string | undefined {
  if (typeof err.errorCode === 'string') return err.errorCode;
  const m = typeof err.message === 'string' ? /ERR_NGROK_\d+/.exec(err.message) : null;
  return m?.[0];
}

/** Turns whatever the ngrok SDK threw into a TunnelError that says what happened and what to do. */
export function explainNgrokError(err: unknown, ctx: NgrokErrorContext = {}): TunnelError {
  if (err instanceof TunnelError) return err;
  const e = (err ?? {}) as { errorCode?: unknown; message?: unknown };
  const raw = scrubAuthtoken(typeof e.message === 'string' ? e.message : String(err), ctx.authtoken);
  const code = ngrokCodeOf(e);
  const detail = `(ngrok said: ${raw})`;
  const domain = ctx.domain ? ` ${ctx.domain}` : '';
  if ((code && AUTH_CODES.has(code)) || (!code && /authtoken|authentication failed|not authorized/i.test(raw))) {
    return new TunnelError(
      'AUTH_REJECTED',
      `ngrok rejected the auth token ${detail}`,
      `Copy the current token from ${NGROK_AUTHTOKEN_URL} into NGROK_AUTHTOKEN (or --authtoken); a reset token or a removed team membership makes the old one invalid.`,
      { cause: err, ngrokCode: code },
    );
  }
  if (code && DOMAIN_IN_USE_CODES.has(code)) {
    return new TunnelError(
      'DOMAIN_IN_USE',
      `the domain${domain} is already online in another ngrok session ${detail}`,
      'Stop the other tunnel (another `wxbot tunnel` or `ngrok http` still running?) and try again.',
      { cause: err, ngrokCode: code },
    );
  }
  if ((code && DOMAIN_CODES.has(code)) || (!code && ctx.domain && /domain|hostname|reserved/i.test(raw))) {
    return new TunnelError(
      'DOMAIN_NOT_OWNED',
      `ngrok will not give you the domain${domain} ${detail}`,
      `Use a domain reserved by the account of this auth token (see ${NGROK_DOMAINS_URL}; free accounts get one static domain), or drop --domain for a random URL.`,
      { cause: err, ngrokCode: code },
    );
  }
  if (code && SESSION_LIMIT_CODES.has(code)) {
    return new TunnelError(
      'SESSION_LIMIT',
      `your ngrok account already has its maximum number of sessions online ${detail}`,
      'Stop the other ngrok agent or tunnel (see https://dashboard.ngrok.com/agents) and try again.',
      { cause: err, ngrokCode: code },
    );
  }
  if (
    /tcp connection|tls handshake|dns|resolve|lookup|connection refused|connection reset|timed out|network|unreachable/i.test(
      raw,
    )
  ) {
    return new TunnelError(
      'UNREACHABLE',
      `cannot reach the ngrok service ${detail}`,
      `Check your internet connection, proxy or firewall. ${PUBLIC_URL_HINT}`,
      { cause: err, ngrokCode: code },
    );
  }
  return new TunnelError('FAILED', `ngrok could not open the tunnel ${detail}`, PUBLIC_URL_HINT, {
    cause: err,
    ngrokCode: code,
  });
}
