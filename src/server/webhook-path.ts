import { WxbotError } from '../protocol/errors.js';

/**
 * The webhook path is compared with the request's path as sent, byte for byte (no percent-decoding):
 * only characters a client sends unchanged can ever match, so anything else is refused up front.
 */
const WEBHOOK_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/** What a valid path may hold, for error messages. */
export const WEBHOOK_PATH_RULE = "a / followed by letters, digits, / and - . _ ~ ! $ & ' ( ) * + , ; = : @";

/** True when a request can reach `path` (RFC 3986 path characters, no percent-encoding). */
export function isWebhookPath(path: string): boolean {
  return WEBHOOK_PATH.test(path);
}

/** A path no request can match would answer every push with 404: refused when the server is set up. */
export function checkWebhookPath(path: string): void {
  if (!isWebhookPath(path)) {
    throw new WxbotError('CONFIG', `the webhook path must be ${WEBHOOK_PATH_RULE}, got ${JSON.stringify(path)}`);
  }
}
