import { CliError, EXIT } from './errors.js';

/**
 * A webhook URL given on the command line (`--url`) or in WXBOT_URL: http:// or https://, checked
 * before anything is signed or sent. `127.0.0.1:5050/wechat` without its scheme is the common slip:
 * the error suggests the URL meant.
 */
export function webhookUrl(value: string, from = '--url'): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'http:' || protocol === 'https:') return value;
  const schemeless = /^(?:[\w.-]+|\[[0-9a-f:]+\])(?::\d+)?(?:\/|$)/i.test(value);
  throw new CliError(
    `${from} must be an http:// or https:// URL, got "${value}"${schemeless ? `: did you mean http://${value} ?` : ''}`,
    EXIT.usage,
  );
}
