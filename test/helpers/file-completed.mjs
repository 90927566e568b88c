// Loaded by test/run.mjs (--import) into every test file's process: when the file's last test and hook
// are done, a line in the results file (WXBOT_TEST_RESULTS) says so. Node 20's runner counts a test
// file whose process ended early with exit code 0 as passed, its remaining tests unmentioned (a CI run
// once reported green with the last ten tests of a file missing); the summary fails a file without it.
import { appendFileSync } from 'node:fs';
import { after } from 'node:test';

const results = process.env.WXBOT_TEST_RESULTS;

// Only in a test file's own process: the runner's process loads this module too.
if (results && process.env.NODE_TEST_CONTEXT === 'child-v8' && process.argv[1]) {
  const file = process.argv[1];
  after(() => appendFileSync(results, `${JSON.stringify({ completed: file })}\n`));
}
