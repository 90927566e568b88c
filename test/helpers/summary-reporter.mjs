// A node:test reporter that records, as JSON lines in its destination file, what test/run.mjs needs
// for its one-line summary: every test's outcome, and for skipped ones the reason and the file.
export default async function* summaryReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, skip, todo, details } = event.data;
    // The process of a whole test file reports as a test too; its tests were counted already.
    if (details?.type !== 'suite' && name === file) {
      if (event.type === 'test:fail')
        yield `${JSON.stringify({ outcome: 'fail', name, file, error: message(details) })}\n`;
      continue;
    }
    const outcome = skip !== undefined && skip !== false ? 'skip' : todo ? 'todo' : event.type.slice(5);
    const line = { outcome, name, file, suite: details?.type === 'suite' };
    if (outcome === 'skip') line.reason = skip === true ? '' : String(skip);
    if (outcome === 'fail') line.error = message(details);
    yield `${JSON.stringify(line)}\n`;
  }
}

function message(details) {
  const err = details?.error;
  return String(err?.cause?.message ?? err?.message ?? '').split('\n')[0];
}
