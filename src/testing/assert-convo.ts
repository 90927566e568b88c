/**
 * assertConvo: runs conversation files from any test framework and throws when a turn fails, with
 * every failure (file:line, expected, actual) in the message. Like node:assert's own, it resolves to
 * nothing, so it is a test function's whole body for node:test's types too (runConvoFiles returns
 * the report).
 *
 * @example
 *   import { test } from 'node:test';
 *   test('conversations', () => assertConvo('tests', { bot }));
 */
import { AssertionError } from 'node:assert';
import { failuresText } from './report.js';
import { type RunConvoOptions, runConvoFiles } from './run-files.js';

export async function assertConvo(paths: string | readonly string[], options: RunConvoOptions): Promise<void> {
  const report = await runConvoFiles(typeof paths === 'string' ? [paths] : paths, options);
  if (!report.ok) {
    const failed = report.conversations.filter((c) => !c.ok).length;
    throw new AssertionError({ message: `${failed} conversation(s) failed\n\n${failuresText(report)}` });
  }
}
