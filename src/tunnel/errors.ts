import { WxbotError } from '../protocol/errors.js';

/**
 * Why a tunnel could not be opened or does not work. Each code maps to one explanation
 * a newcomer can act on; `hint` is that next step.
 */
export type TunnelErrorCode =
  | 'AUTHTOKEN_MISSING'
  | 'AUTH_REJECTED'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'DOMAIN_NOT_OWNED'
  | 'DOMAIN_IN_USE'
  | 'SESSION_LIMIT'
  | 'SDK_MISSING'
  | 'LOCAL_DOWN'
  | 'BAD_PUBLIC_URL'
  | 'FAILED';

export class TunnelError extends WxbotError {
  override readonly code: TunnelErrorCode;
  /** What to do about it, in one or two sentences. */
  readonly hint: string;
  /** ngrok's own `ERR_NGROK_*` code when the SDK gave one. */
  readonly ngrokCode: string | undefined;
  constructor(code: TunnelErrorCode, message: string, hint: string, options?: { cause?: unknown; ngrokCode?: string }) {
    super(code, message, options);
    this.name = 'TunnelError';
    this.code = code;
    this.hint = hint;
    this.ngrokCode = options?.ngrokCode;
  }
}

export const NGROK_AUTHTOKEN_URL = 'https://dashboard.ngrok.com/get-started/your-authtoken';
export const NGROK_DOMAINS_URL = 'https://dashboard.ngrok.com/domains';

/** Said whenever ngrok itself is the obstacle: most developers in mainland China use another tunnel. */
export const PUBLIC_URL_HINT =
  'Or skip ngrok: expose the port with frp, cpolar or 花生壳 (or your own domain) and run `wxbot tunnel --public-url https://your.host`.';
