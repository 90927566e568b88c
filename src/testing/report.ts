/**
 * The reports of a conversation run: text for people (✓/✗, expected and actual side by side, file:line),
 * TAP, JUnit XML and JSON for CI. Pure functions of the run report; colours come from the caller.
 */
import type { ConvoRunReport } from './run-files.js';
import type { ConversationResult, TurnResult } from './run-convo.js';

export interface Paint {
  pass(s: string): string;
  fail(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain = (s: string) => s;
export const NO_PAINT: Paint = { pass: plain, fail: plain, warn: plain, dim: plain, bold: plain };

// East Asian wide characters take two columns in a terminal.
const WIDE =
  /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;

/** Terminal columns a string takes. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) ? 2 : 1;
  return w;
}

const pad = (s: string, to: number) => s + ' '.repeat(Math.max(0, to - displayWidth(s)));

const turnsWord = (n: number) => `${n} turn${n === 1 ? '' : 's'}`;

const shown = (lines: string[], none: string) => (lines.length ? lines : [none]);

/** Expected and actual next to each other when they fit in `columns`, else one under the other. */
export function sideBySide(expected: string[], actual: string[], columns: number, indent: string, p: Paint): string[] {
  const left = shown(expected, '(any reply WeChat accepts)');
  const right = shown(actual, '(no reply WeChat accepts)');
  const lw = Math.max(displayWidth('expected'), ...left.map(displayWidth));
  const rw = Math.max(...right.map(displayWidth));
  if (indent.length + lw + 3 + rw <= columns) {
    const out = [`${indent}${p.dim(`${pad('expected', lw)} │ actual`)}`];
    for (let i = 0; i < Math.max(left.length, right.length); i++) {
      out.push(`${indent}${p.pass(pad(left[i] ?? '', lw))} ${p.dim('│')} ${p.fail(right[i] ?? '')}`);
    }
    return out;
  }
  return [
    `${indent}${p.dim('expected')}`,
    ...left.map((l) => `${indent}  ${p.pass(l)}`),
    `${indent}${p.dim('actual')}`,
    ...right.map((l) => `${indent}  ${p.fail(l)}`),
  ];
}

function failedTurn(c: ConversationResult, t: TurnResult, columns: number, p: Paint): string[] {
  const out = [`    ${p.fail('✗')} ${p.bold(`${c.file}:${t.line}`)}  > ${t.send}`];
  if (t.failure === 'mismatch') out.push(...sideBySide(t.expected, t.actual, columns, '        ', p));
  else out.push(`        ${p.dim('reply')} ${t.actual.join(' / ') || '(none)'}`);
  for (const problem of t.problems) out.push(`        ${p.fail('WeChat would reject it:')} ${problem}`);
  if (t.error !== undefined) out.push(`        ${p.fail('the handler threw:')} ${t.error}`);
  return out;
}

/** The text report: one line per conversation, details under each failing turn. */
export function formatTextReport(r: ConvoRunReport, o: { columns?: number; paint?: Paint } = {}): string {
  const p = o.paint ?? NO_PAINT;
  const columns = o.columns ?? 100;
  const out: string[] = [];
  let file: string | undefined;
  for (const c of r.conversations) {
    if (c.file !== file) {
      if (file !== undefined) out.push('');
      out.push(p.bold(c.file));
      file = c.file;
    }
    const mark = c.ok ? p.pass('✓') : p.fail('✗');
    out.push(`  ${mark} ${c.name} ${p.dim(`· ${turnsWord(c.turns.length)} · ${c.ms} ms`)}`);
    for (const t of c.turns) {
      if (!t.ok) out.push(...failedTurn(c, t, columns, p));
      else if (t.updated)
        out.push(`    ${p.warn('↻')} ${c.file}:${t.line}  > ${t.send}  ${p.dim('expectation updated')}`);
      for (const w of t.warnings) out.push(`    ${p.warn('!')} ${p.dim(`${c.file}:${t.line}`)} ${w}`);
    }
  }
  out.push('', summaryLine(r, p));
  if (r.unreachable)
    out.push(p.fail(`stopped at ${r.unreachable.file}:${r.unreachable.line}: ${r.unreachable.message}`));
  for (const u of r.updated) out.push(p.warn(`updated ${turnsWord(u.turns)} in ${u.file}`));
  return `${out.join('\n')}\n`;
}

export function summaryLine(r: ConvoRunReport, p: Paint = NO_PAINT): string {
  const passed = r.conversations.filter((c) => c.ok).length;
  const failed = r.conversations.length - passed;
  const turns = r.conversations.reduce((n, c) => n + c.turns.length, 0);
  const counts = `${passed} passed, ${failed} failed`;
  return `${r.conversations.length} conversation${r.conversations.length === 1 ? '' : 's'}: ${failed ? p.fail(counts) : p.pass(counts)} ${p.dim(`· ${turnsWord(turns)} · ${r.ms} ms`)}`;
}

function failureText(c: ConversationResult, t: TurnResult): string {
  const lines = [`${c.file}:${t.line}  > ${t.send}`];
  if (t.failure === 'mismatch') {
    lines.push(`expected: ${shown(t.expected, '(any reply WeChat accepts)').join('\n          ')}`);
    lines.push(`actual:   ${shown(t.actual, '(no reply WeChat accepts)').join('\n          ')}`);
  }
  for (const problem of t.problems) lines.push(`WeChat would reject it: ${problem}`);
  if (t.error !== undefined) lines.push(`the handler threw: ${t.error}`);
  return lines.join('\n');
}

/** Every failing turn of the run, as plain text (what assertConvo throws). */
export function failuresText(r: ConvoRunReport): string {
  const parts: string[] = [];
  for (const c of r.conversations) for (const t of c.turns) if (!t.ok) parts.push(`✗ ${c.name}\n${failureText(c, t)}`);
  if (r.unreachable) parts.push(`stopped at ${r.unreachable.file}:${r.unreachable.line}: ${r.unreachable.message}`);
  return parts.join('\n\n');
}

const yamlString = (s: string) => JSON.stringify(s);

/** TAP version 13: one test point per conversation, a YAML block for each failure. */
export function formatTap(r: ConvoRunReport): string {
  const out = ['TAP version 13', `1..${r.conversations.length + (r.unreachable ? 1 : 0)}`];
  r.conversations.forEach((c, i) => {
    out.push(`${c.ok ? 'ok' : 'not ok'} ${i + 1} - ${c.file} › ${c.name.replace(/#/g, '\\#')}`);
    const bad = c.turns.filter((t) => !t.ok);
    if (!bad.length) return;
    const t = bad[0]!;
    out.push('  ---');
    out.push(
      `  message: ${yamlString(t.failure === 'rejected' ? 'WeChat would reject the reply' : 'the reply is not the expected one')}`,
    );
    out.push(`  at: ${yamlString(`${c.file}:${t.line}`)}`);
    out.push(`  send: ${yamlString(t.send)}`);
    out.push(`  expected: ${yamlString(t.expected.join('\n'))}`);
    out.push(`  actual: ${yamlString(t.actual.join('\n'))}`);
    if (t.problems.length) out.push(`  problems: [${t.problems.map(yamlString).join(', ')}]`);
    if (t.error !== undefined) out.push(`  error: ${yamlString(t.error)}`);
    if (bad.length > 1)
      out.push(
        `  more: ${bad.length - 1} other failing turn(s) at ${bad
          .slice(1)
          .map((b) => `${c.file}:${b.line}`)
          .join(', ')}`,
      );
    out.push('  ...');
  });
  if (r.unreachable) out.push(`not ok ${r.conversations.length + 1} - server unreachable # ${r.unreachable.message}`);
  return `${out.join('\n')}\n`;
}

// XML 1.0 allows neither most control characters nor lone surrogates, even escaped.
const xmlText = (s: string) =>
  s
    .replace(
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    )
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const secs = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML: a testsuite per file, a testcase per conversation, a failure per failing conversation. */
export function formatJunit(r: ConvoRunReport): string {
  const files = [...new Set(r.conversations.map((c) => c.file))];
  const failed = r.conversations.filter((c) => !c.ok).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="wxbot test" tests="${r.conversations.length}" failures="${failed}" errors="${r.unreachable ? 1 : 0}" time="${secs(r.ms)}">`,
  ];
  for (const f of files) {
    const cs = r.conversations.filter((c) => c.file === f);
    const ms = cs.reduce((n, c) => n + c.ms, 0);
    out.push(
      `  <testsuite name="${xmlText(f)}" tests="${cs.length}" failures="${cs.filter((c) => !c.ok).length}" errors="0" time="${secs(ms)}">`,
    );
    for (const c of cs) {
      const open = `    <testcase classname="${xmlText(f)}" name="${xmlText(c.name)}" file="${xmlText(f)}" line="${c.line}" time="${secs(c.ms)}"`;
      const bad = c.turns.filter((t) => !t.ok);
      if (!bad.length) {
        out.push(`${open}/>`);
        continue;
      }
      const first = bad[0]!;
      const message = `${c.file}:${first.line}: ${first.failure === 'rejected' ? 'WeChat would reject the reply' : 'the reply is not the expected one'}`;
      out.push(`${open}>`);
      out.push(
        `      <failure message="${xmlText(message)}" type="${first.failure}">${xmlText(bad.map((t) => failureText(c, t)).join('\n\n'))}</failure>`,
      );
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  if (r.unreachable) {
    out.push(`  <testsuite name="server" tests="1" failures="0" errors="1" time="0">`);
    out.push(
      `    <testcase classname="server" name="reachable"><error message="${xmlText(r.unreachable.message)}"/></testcase>`,
    );
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** One JSON document: the whole report. */
export function formatJsonReport(r: ConvoRunReport): string {
  return `${JSON.stringify(r)}\n`;
}
