// System programs a test needs besides node (redis-server, nginx, zsh, fish, chromium, curl, jq…).
// One rule for all of them: outside CI a missing program skips the tests that need it, with the
// install command as the reason; with CI=true it is a failure, so CI can never pass by skipping.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';

export interface Requirement {
  /** How to get the program, e.g. `apt-get install redis-server`. */
  install: string;
}

/** The options object node:test takes: spread it, or pass it as is. */
export interface SkipOption {
  skip: string | false;
}

/** The absolute path of `name` on PATH (executable files only), or undefined. */
export function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const failedInCi = new Set<string>();

/**
 * `{ skip: false }` when `name` is on PATH. Otherwise, outside CI, `{ skip: reason }` naming the
 * install command; with CI=true, the tests are skipped too but a test named after the missing
 * program fails (once per file), so the run fails and says what to install.
 *
 *   describe('zsh', requireProgram('zsh', { install: 'apt-get install zsh' }), () => { … });
 *   test('pipes', { ...requireProgram('jq', { install: 'apt-get install jq' }), timeout: 5000 }, …);
 */
export function requireProgram(name: string, r: Requirement): SkipOption {
  if (findProgram(name) !== undefined) return { skip: false };
  const reason = `${name} not installed: ${r.install}, or run bash .ci/run`;
  if (!isCi()) return { skip: reason };
  if (!failedInCi.has(name)) {
    failedInCi.add(name);
    test(missingInCiName(name), () => {
      throw new Error(`${name} is not on PATH and CI=true: a missing program fails in CI (${r.install})`);
    });
  }
  return { skip: `${reason} (failed: CI=true)` };
}

/** The name of the failing test, which the end-of-run summary looks for (test/helpers/summary-reporter.mjs). */
export function missingInCiName(name: string): string {
  return `${name} must be installed when CI=true`;
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
