// Loaded by test/run.mjs (--import) into every test file's process: the process itself notes in the
// results file (WXBOT_TEST_RESULTS) each test it ran and, when its last test and hook are done, that
// the file completed. Node 20's runner counts a test file whose process ended early with exit code 0 as
// passed, its remaining tests unmentioned (a CI run once reported green with the last ten tests of a
// file missing); the summary fails a file without these notes, or whose notes its results lack.
import { appendFileSync } from 'node:fs';
import { after, afterEach } from 'node:test';

const results = process.env.WXBOT_TEST_RESULTS;

// Only in a test file's own process: the runner's process loads this module too.
if (results && process.env.NODE_TEST_CONTEXT === 'child-v8' && process.argv[1]) {
  const file = process.argv[1];
  const note = (line) => appendFileSync(results, `${JSON.stringify(line)}\n`);
  // Every test and subtest that ran (not suites, not skipped tests: those have no afterEach).
  afterEach((t) => note({ ran: t.name, file }));
  after(() => note({ completed: file }));
}
