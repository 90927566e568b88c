import { Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { checkHistoryIds, readHistoryFile } from '../history-read.js';

interface HistoryFlags {
  json?: boolean;
  convo?: boolean;
  limit?: string;
  clear?: boolean;
  file?: string;
}

const EXAMPLES = `
Examples:
  $ wxbot history                 # the last 20 exchanges, newest last
  $ wxbot history 12              # everything about one: query, body, decrypted message, reply
  $ wxbot history --limit 0       # all of them (the file keeps the last 200)
  $ wxbot history --json | jq -r 'select(.msgType=="text") | .content'
  $ wxbot history --convo > tests/recorded.convo     # the exchanges as a conversation test (wxbot test)
  $ wxbot history --convo 12 13 14                   # only these`;

export default function historyCommand(): Command {
  return new Command('history')
    .description(
      'List the exchanges recorded by `wxbot serve` / `wxbot tunnel` in .wxbot/history.ndjson (last 200, secrets redacted).\n`wxbot replay <id>` sends one again.',
    )
    .argument('[ids...]', 'show one exchange in full (with --convo: the exchanges to write)')
    .option('--json', 'NDJSON: one entry per line (one object with an id)')
    .option(
      '--convo',
      'write the exchanges as a conversation file for `wxbot test` (the replies as exact expectations)',
    )
    .option('-n, --limit <n>', 'how many of the newest to list; 0 = all (default 20, all with --json)')
    .option('--clear', 'delete the recorded history (a running server stays cleared: it records only new exchanges)')
    .option('--file <path>', 'history file (default .wxbot/history.ndjson in this directory)')
    .addHelpText('after', EXAMPLES)
    .action(async (ids: string[], o: HistoryFlags) => {
      checkHistoryIds(ids);
      const { HistoryFile, historyPath, formatHistoryLine, HISTORY_HEADER } = await import('../../history/index.js');
      const file = new HistoryFile(o.file ?? historyPath());
      if (o.clear) {
        await file.clear();
        process.stderr.write(`wxbot: cleared ${file.path}\n`);
        return;
      }
      const { entries, skipped } = await readHistoryFile(file.path);
      if (skipped.length > 0) {
        const first = skipped[0]!;
        process.stderr.write(
          `wxbot: skipped ${skipped.length} line${skipped.length === 1 ? '' : 's'} of ${file.path} that ${skipped.length === 1 ? 'is' : 'are'} not history entries (line ${first.line}: ${first.problem})\n`,
        );
      }
      if (o.convo) {
        const { historyToConvo, isConversationTurn } = await import('../../history/index.js');
        const missing = ids.filter((id) => !entries.some((e) => String(e.id) === id));
        if (missing.length) throw new CliError(`no exchange ${missing.join(', ')} in ${file.path}`);
        const chosen = ids.length ? entries.filter((e) => ids.includes(String(e.id))) : entries;
        if (!chosen.some(isConversationTurn))
          throw new CliError(
            `no answered messages to write in ${file.path}: send the server some (\`wxbot simulate text 你好\`)`,
          );
        const day = new Date().toISOString().slice(0, 10);
        process.stdout.write(historyToConvo(chosen, `recorded by wxbot serve, ${day}`));
        return;
      }
      if (ids.length > 1) throw new CliError('one id at a time (several only with --convo)', EXIT.usage);
      const id = ids[0];
      if (id !== undefined) {
        const entry = entries.find((e) => String(e.id) === id);
        const bad = skipped.find((l) => String(l.id) === id);
        if (!entry && bad)
          throw new CliError(`exchange ${id} in ${file.path} cannot be read: line ${bad.line}: ${bad.problem}`);
        if (!entry)
          throw new CliError(
            `no exchange ${id} in ${file.path} (ids ${entries.length ? `${entries[0]!.id}–${entries.at(-1)!.id}` : 'none yet'})`,
          );
        process.stdout.write(o.json ? `${JSON.stringify(entry)}\n` : `${JSON.stringify(entry, null, 2)}\n`);
        return;
      }
      const limit = o.limit === undefined ? (o.json ? 0 : 20) : Number(o.limit);
      if (!Number.isInteger(limit) || limit < 0)
        throw new CliError(`--limit must be a whole number, got "${o.limit}"`, EXIT.usage);
      const shown = limit === 0 ? entries : entries.slice(-limit);
      if (o.json) {
        process.stdout.write(shown.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return;
      }
      if (entries.length === 0 && skipped.length > 0) {
        throw new CliError(
          `no readable exchange in ${file.path} (see above); \`wxbot history --clear\` starts it afresh`,
        );
      }
      if (entries.length === 0) {
        process.stderr.write(
          `No exchanges recorded in ${file.path} yet: run \`wxbot serve\` (or \`wxbot tunnel\`) in this directory and send it something (\`wxbot simulate text 你好\`).\n`,
        );
        return;
      }
      process.stdout.write(`${HISTORY_HEADER}\n${shown.map(formatHistoryLine).join('\n')}\n`);
      if (shown.length < entries.length)
        process.stderr.write(`(${entries.length - shown.length} older; --limit 0 shows all)\n`);
    });
}
