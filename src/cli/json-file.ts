import { readFile } from 'node:fs/promises';
import { unreadableReason } from '../config/errors.js';
import { withoutBom } from '../protocol/utf8.js';
import { CliError } from './errors.js';

/** A JSON file the user wrote (a menu), parsed (a byte order mark dropped); a CliError with `exitCode` says why not. */
export async function readJsonFile(path: string, shown: string, exitCode: number): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${shown}: ${unreadableReason(err as NodeJS.ErrnoException)}`, exitCode);
  }
  try {
    return JSON.parse(withoutBom(text));
  } catch (err) {
    throw new CliError(`${shown} is not valid JSON: ${(err as Error).message}`, exitCode);
  }
}
