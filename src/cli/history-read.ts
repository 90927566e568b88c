import { CliError } from './errors.js';

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
