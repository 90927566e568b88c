// Plain-text tables for the soak summary (CJK characters count as two columns).
const wide =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1faff}]/u;

function width(s) {
  let n = 0;
  for (const ch of s) n += wide.test(ch) ? 2 : 1;
  return n;
}

const pad = (s, n, right) => {
  const fill = ' '.repeat(Math.max(0, n - width(s)));
  return right ? fill + s : s + fill;
};

/** rows: arrays of cells; numbers are right-aligned. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))));
  const numeric = header.map((_, i) =>
    rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || r[i] === ''),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((r) => width(r[i] ?? ''))));
  const line = (r) =>
    r
      .map((c, i) => pad(c, widths[i], numeric[i]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const mb = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : 'n/a');
export const ms = (v) =>
  Number.isFinite(v) ? `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ms` : 'n/a';

export function statuses(map) {
  return [...map.entries()]
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}
