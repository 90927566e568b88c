import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { withoutBom } from '../protocol/utf8.js';
import { ConfigError, unreadableReason } from './errors.js';

const ASSIGNMENT = /^(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=(.*)$/;
const QUOTES = new Set(['"', "'", '`']);

/**
 * Checks that every line of a `.env` text is blank, a `# comment` or `NAME=value` (a quoted value
 * may span lines), and throws naming the first line that is not. Node's own reader accepts anything
 * and lets a line without `=` swallow the next one; a Token read that way silently turns every
 * WeChat push into a 401. The line itself is never quoted in the error: it may hold a secret.
 */
export function checkDotEnv(text: string, path: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      throw new ConfigError(
        path,
        `${path} line ${i + 1}: expected NAME=value (a letter or _ first, then letters, digits or _), or a # comment`,
      );
    }
    const value = m[1]!.trim();
    const quote = value[0];
    if (quote === undefined || !QUOTES.has(quote) || value.indexOf(quote, 1) > 0) continue;
    // An opening quote without its closing one on this line: the value goes on until a line that has it.
    const start = i;
    do i++;
    while (i < lines.length && !lines[i]!.includes(quote));
    if (i >= lines.length) {
      throw new ConfigError(path, `${path} line ${start + 1}: the value opens with ${quote} and is never closed`);
    }
  }
}

/**
 * The variables of the `.env` file at `path`; a missing file is an empty set. Any other failure to
 * read it (a directory, no permission) and any malformed line is a ConfigError with the path.
 */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return {};
    const reason = unreadableReason(e);
    throw new ConfigError(path, `cannot read ${path}: ${reason}; fix it or remove it`, { cause: err });
  }
  // A mark before the first name would leave WECHAT_TOKEN on the first line unread.
  text = withoutBom(text);
  checkDotEnv(text, path);
  return parseEnv(text) as Record<string, string>;
}
