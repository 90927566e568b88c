import { readFile } from 'node:fs/promises';
import { unreadableReason } from '../config/errors.js';
import { CliError } from './errors.js';

/**
 * A JSON file the user wrote (a menu), parsed; a CliError with `exitCode` says why not. A byte order
 * mark is dropped first: Windows editors save "UTF-8 with BOM", which JSON.parse refuses at an
 * invisible first character.
 */
export async function readJsonFile(path: string, shown: string, exitCode: number): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${shown}: ${unreadableReason(err as NodeJS.ErrnoException)}`, exitCode);
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new CliError(`${shown} is not valid JSON: ${(err as Error).message}`, exitCode);
  }
}
