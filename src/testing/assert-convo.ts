/**
 * assertConvo: runs conversation files from any test framework and throws when a turn fails, with
 * every failure (file:line, expected, actual) in the message.
 *
 * @example
 *   import { test } from 'node:test';
 *   test('conversations', () => assertConvo('tests', { bot }));
 */
import { AssertionError } from 'node:assert';
import { failuresText } from './report.js';
import { type ConvoRunReport, type RunConvoOptions, runConvoFiles } from './run-files.js';

export async function assertConvo(
  paths: string | readonly string[],
  options: RunConvoOptions,
): Promise<ConvoRunReport> {
  const report = await runConvoFiles(typeof paths === 'string' ? [paths] : paths, options);
  if (!report.ok) {
    const failed = report.conversations.filter((c) => !c.ok).length;
    throw new AssertionError({ message: `${failed} conversation(s) failed\n\n${failuresText(report)}` });
  }
  return report;
}
