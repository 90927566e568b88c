/**
 * Chat-style rendering of what the simulator sent and what came back: the message on one line,
 * the reply as a bubble or cards, then the verdict. Colour only when stdout is a terminal and
 * NO_COLOR is unset (./color.ts).
 */
import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';
import { localMediaNote } from './local-media-note.js';
import type { WechatMessage } from '../protocol/messages.js';
import type { ParsedReply } from '../simulate/reply-checks.js';
import type { SimulateResult } from '../simulate/send.js';
import { badSignatureNote, type VerifyUrlResult } from '../simulate/verify.js';

const chalk = chalkFor(process.stdout);

const ms = (n: number) => (n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(2)} s`);
const get = (m: WechatMessage, k: string) => String((m as unknown as Record<string, unknown>)[k] ?? '');

/** One line naming what was sent: "→ text 你好", "→ event CLICK V1001". */
export function describeSent(m: WechatMessage): string {
  const what = (() => {
    switch (m.MsgType) {
      case 'text':
        return get(m, 'Content');
      case 'image':
        return get(m, 'PicUrl');
      case 'voice':
        return get(m, 'Recognition') ? `“${get(m, 'Recognition')}”` : '(no recognition)';
      case 'location':
        return `${get(m, 'Location_X')},${get(m, 'Location_Y')} ${get(m, 'Label')}`.trim();
      case 'link':
        return get(m, 'Url');
      case 'event':
        return `${get(m, 'Event')} ${get(m, 'EventKey')}`.trim();
      default:
        return '';
    }
  })();
  return chalk.dim(`→ ${m.MsgType}${what ? ` ${what}` : ''}`);
}

/** A placeholder media_id (local development) gets a line saying where its file is. */
function withNote(lines: string[], mediaId: string): string[] {
  const note = localMediaNote(mediaId);
  return note ? [...lines, chalk.dim(note)] : lines;
}

const bubble = (lines: string[]) => lines.map((l) => `  ${chalk.green('┃')} ${l}`).join('\n');

/** The reply as the user's phone would show it. */
export function renderReply(r: ParsedReply): string {
  switch (r.MsgType) {
    case 'text':
      return bubble(r.Content.split('\n'));
    case 'image':
      return bubble(withNote([`${chalk.cyan('[image]')} MediaId ${r.Image.MediaId}`], r.Image.MediaId));
    case 'voice':
      return bubble(withNote([`${chalk.cyan('[voice]')} MediaId ${r.Voice.MediaId}`], r.Voice.MediaId));
    case 'video':
      return bubble([
        chalk.cyan('[video]') + ` ${r.Video.Title ?? ''}`.trimEnd(),
        ...(r.Video.Description ? [r.Video.Description] : []),
        ...withNote([chalk.dim(`MediaId ${r.Video.MediaId}`)], r.Video.MediaId),
      ]);
    case 'music': {
      const m = r.Music;
      return bubble([
        chalk.cyan('♪ ') + [m.Title, m.Description].filter(Boolean).join(' — '),
        ...[m.MusicUrl, m.HQMusicUrl].filter(Boolean).map((u) => chalk.dim(u!)),
        chalk.dim(`thumb MediaId ${m.ThumbMediaId}`),
      ]);
    }
    case 'news':
      return r.Articles.map((a, i) =>
        [
          `  ${chalk.green('┌')} ${chalk.bold(a.Title || '(no title)')}${r.Articles.length > 1 ? chalk.dim(`  [${i + 1}/${r.Articles.length}]`) : ''}`,
          ...(a.Description ? [`  ${chalk.green('│')} ${a.Description}`] : []),
          ...(a.PicUrl ? [`  ${chalk.green('│')} ${chalk.dim(`picture ${a.PicUrl}`)}`] : []),
          `  ${chalk.green('└')} ${chalk.underline(a.Url ?? '(no url)')}`,
        ].join('\n'),
      ).join('\n');
    case 'transfer_customer_service':
      return bubble([chalk.cyan('[handed to customer service]') + (r.TransInfo ? ` ${r.TransInfo.KfAccount}` : '')]);
    default:
      return '';
  }
}

/** `c`: the colours of the stream they are written to (stderr with --raw). */
export function renderFindings(problems: string[], warnings: string[], c: ChalkInstance = chalk): string[] {
  return [
    ...problems.map((p) => `${c.red('✗ problem:')} ${p}`),
    ...warnings.map((w) => `${c.yellow('! warning:')} ${w}`),
  ];
}

function verdict(problems: string[], warnings: string[], pass: string, fail: string): string {
  const w = warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : '';
  return problems.length
    ? chalk.red(`✗ ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${fail}`)
    : chalk.green(`✓ ${pass}`) + chalk.yellow(w);
}

export function renderResult(sent: WechatMessage, r: SimulateResult, mode: string): string {
  const out = [describeSent(sent)];
  for (const d of r.deliveries ?? []) {
    const what =
      d.outcome === 'answered'
        ? `HTTP ${d.status} in ${ms(d.ms)}${d.replyType ? ` (${d.replyType})` : d.ack !== null ? ` (${d.ack === '' ? 'empty' : 'success'})` : ''}`
        : `${d.outcome} after ${ms(d.ms)}`;
    out.push(chalk.dim(`  delivery ${d.attempt}: ${what}`));
  }
  if (r.deliveries && r.answeredBy)
    out.push(chalk.dim(`  answered by delivery ${r.answeredBy} of ${r.deliveries.length} sent`));
  const head = r.status === null ? 'no answer' : `HTTP ${r.status}`;
  out.push(chalk.dim(`← ${head} · ${ms(r.ms)} · ${mode} mode`));
  if (r.reply) out.push(renderReply(r.reply));
  else if (r.ack !== null)
    out.push(chalk.dim(`  (${r.ack === '' ? 'empty body' : '"success"'}: nothing is shown to the user)`));
  out.push(...renderFindings(r.problems, r.warnings));
  out.push(
    verdict(
      r.problems,
      r.warnings,
      'WeChat would accept this reply',
      'WeChat would not deliver this reply as intended',
    ),
  );
  return out.join('\n');
}

export function renderVerify(r: VerifyUrlResult): string {
  const out = [
    chalk.dim(`→ GET ${r.request.url}`),
    chalk.dim(`← ${r.status === null ? 'no answer' : `HTTP ${r.status}`} · ${ms(r.ms)}`),
  ];
  const probe = badSignatureNote(r);
  if (probe) out.push(chalk.dim(`  ${probe}`));
  out.push(...renderFindings(r.problems, r.warnings));
  out.push(
    verdict(
      r.problems,
      r.warnings,
      `URL verification passes: the server echoed ${r.echostr} exactly`,
      'the console would say "Token验证失败" (token verification failed)',
    ),
  );
  return out.join('\n');
}
