// A node:test reporter that records, as JSON lines in the file named by WXBOT_TEST_RESULTS, what
// test/run.mjs needs for its one-line summary: every test's start and outcome, for skipped ones the
// reason and the file. Written synchronously, event by event: --test-force-exit ends the runner
// without waiting for a reporter's stream to drain (the summary then missed results). It prints nothing.
import { appendFileSync } from 'node:fs';
import { Transform } from 'node:stream';

const results = process.env.WXBOT_TEST_RESULTS;

export default new Transform({
  writableObjectMode: true,
  transform(event, _encoding, done) {
    if (event.type === 'test:pass' || event.type === 'test:fail') record(event.type, event.data);
    // A start is matched with its result in the summary: a test that started and never ended means its
    // file's results stopped coming (the file still counts as passed in Node 20's own figures). The
    // file's own process, whose passing is not recorded (below), is left out here too.
    else if (event.type === 'test:start' && results && event.data.name !== event.data.file) {
      const { name, file, nesting } = event.data;
      appendFileSync(results, `${JSON.stringify({ started: name, file, nesting })}\n`);
    }
    done();
  },
});

function record(type, { name, file, nesting, skip, todo, details }) {
  // The process of a whole test file reports as a test too: only its failure (it did not load, or
  // timed out) is news, its tests were counted already.
  const fileItself = details?.type !== 'suite' && name === file;
  if (fileItself && type === 'test:pass') return;
  const outcome = skip !== undefined && skip !== false ? 'skip' : todo ? 'todo' : type.slice(5);
  const line = { outcome, name, file, nesting, suite: details?.type === 'suite' };
  if (outcome === 'skip') line.reason = skip === true ? '' : String(skip);
  if (outcome === 'fail') line.error = message(details);
  if (results) appendFileSync(results, `${JSON.stringify(line)}\n`);
}

function message(details) {
  const err = details?.error;
  return String(err?.cause?.message ?? err?.message ?? '').split('\n')[0];
}
