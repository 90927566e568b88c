import type { SecretMask } from '../config/mask.js';
import type { LogRecord, RequestLog } from '../server/types.js';

/**
 * The record with every configured secret masked wherever it appears (a message that quotes the
 * Token, a reply that echoes an API key, an error message from a provider), before it is formatted:
 * a preview cut in the middle of a secret would otherwise show its start. A record without any is
 * returned as it is, with nothing copied.
 */
export function maskLogRecord(r: LogRecord, mask: SecretMask): LogRecord {
  if (r.type !== 'request') return mask.maskDeep(r);
  const { message, reply, reason } = r;
  if (
    (message === undefined || !mask.testDeep(message)) &&
    (reply === undefined || !mask.testDeep(reply)) &&
    (reason === undefined || !mask.test(reason))
  )
    return r;
  const out: RequestLog = { ...r };
  if (message !== undefined) out.message = mask.maskDeep(message);
  if (reply !== undefined) out.reply = mask.maskDeep(reply);
  if (reason !== undefined) out.reason = mask.mask(reason);
  return out;
}
