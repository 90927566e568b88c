/**
 * `--update`: replaces the `<` block of a turn with new lines and leaves every other byte of the
 * file alone (comments, blank lines, patterns, line endings).
 */

export interface TurnUpdate {
  /** 1-based first and last line of the `<` block. */
  from: number;
  to: number;
  /** The new reply lines, as written after `< `. */
  lines: string[];
}

export function applyUpdates(text: string, updates: readonly TurnUpdate[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  // From the bottom up, so earlier line numbers stay valid.
  for (const u of [...updates].sort((a, b) => b.from - a.from)) {
    lines.splice(u.from - 1, u.to - u.from + 1, ...u.lines.map((l) => (l === '' ? '<' : `< ${l}`)));
  }
  return lines.join(eol);
}
