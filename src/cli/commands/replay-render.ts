/** How `wxbot replay` shows the old reply beside the new one (reusing simulate's chat rendering). */
import { chalkFor } from '../color.js';
import type { ReplayOutcome } from '../../history/replay.js';
import { parseReply } from '../../protocol/replies.js';
import type { SimulateResult } from '../../simulate/send.js';
import { describeSent, renderFindings, renderReply } from '../simulate-render.js';

// Colour only when stdout is a terminal and NO_COLOR is unset.
const chalk = chalkFor(process.stdout);

const ms = (n: number) => (n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(2)} s`);

function renderRecorded(reply: string | null): string {
  if (reply === null) return chalk.dim('  (no reply recorded)');
  if (reply === '' || reply === 'success')
    return chalk.dim(`  (${reply === '' ? 'empty body' : '"success"'}: nothing shown to the user)`);
  try {
    return renderReply(parseReply(reply));
  } catch {
    return `  ${reply}`;
  }
}

function renderNew(r: SimulateResult): string {
  if (r.reply) return renderReply(r.reply);
  if (r.ack !== null) return chalk.dim(`  (${r.ack === '' ? 'empty body' : '"success"'}: nothing shown to the user)`);
  return `  ${r.raw ?? chalk.dim('(no answer)')}`;
}

export function renderReplay(o: ReplayOutcome): string {
  const e = o.entry;
  const out = [
    chalk.bold(`replay #${e.id}`) + chalk.dim(` · ${o.mode === 'verify' ? 'GET verify' : `${o.mode} mode`} · ${o.url}`),
  ];
  if (o.message) out.push(describeSent(o.message));
  out.push(chalk.dim(`before · ${e.at} · HTTP ${e.status} · ${ms(e.latencyMs)}`));
  out.push(o.mode === 'verify' ? `  ${o.before as string}` : renderRecorded(e.reply));
  const r = o.result;
  out.push(chalk.dim(`now · HTTP ${r.status ?? 'no answer'} · ${ms(r.ms)}`));
  out.push(o.mode === 'verify' ? `  ${o.after as string}` : renderNew(r as SimulateResult));
  out.push(...renderFindings(r.problems, r.warnings));
  out.push(o.same ? chalk.green('✓ same reply as before') : chalk.yellow('≠ the reply changed'));
  return out.join('\n');
}

export function replayJson(o: ReplayOutcome): Record<string, unknown> {
  const r = o.result;
  return {
    id: o.entry.id,
    url: o.url,
    mode: o.mode,
    same: o.same,
    before: { status: o.entry.status, ms: o.entry.latencyMs, reply: o.before },
    after: { status: r.status, ms: r.ms, reply: o.after },
    problems: r.problems,
    warnings: r.warnings,
  };
}
