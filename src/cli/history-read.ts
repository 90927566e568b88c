import { CliError, EXIT } from './errors.js';

/** Refuses what cannot be an exchange id (a usage error, not "no such exchange"). */
export function checkHistoryIds(ids: readonly string[]): void {
  const bad = ids.find((id) => !/^[1-9]\d{0,15}$/.test(id));
  if (bad !== undefined) {
    throw new CliError(`"${bad}" is not an exchange id: ids are the numbers \`wxbot history\` lists`, EXIT.usage);
  }
}

/**
 * The history file's entries and the lines that are not entries, for `history` and `replay`; a file
 * that cannot be read at all is a CliError naming it and what to do.
 */
export async function readHistoryFile(path: string) {
  const { HistoryReadError, readHistoryReport } = await import('../history/index.js');
  try {
    return await readHistoryReport(path);
  } catch (err) {
    if (err instanceof HistoryReadError) throw new CliError(`${err.message}; move it away or pass --file <path>`);
    throw err;
  }
}
