// `--json` output is pure JSON on stdout, on success and on failure: one JSON document per line
// (NDJSON); commands with one result print exactly one line. Nothing else is ever on stdout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BROKEN_ACCOUNT } from '../fakes/broken-server.js';
import { cases, cwdOf, runAll, startWorld, wxbot, type World } from './conventions-world.js';
import { runWxbot } from './tunnel-child.js';

let w: World;
before(async () => {
  w = await startWorld();
});
after(() => w?.stop());

function parseLines(stdout: string): { docs: unknown[]; problems: string[] } {
  const problems: string[] = [];
  if (!stdout.endsWith('\n')) problems.push('stdout does not end with a newline');
  const docs = stdout
    .split('\n')
    .slice(0, -1)
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        problems.push(`line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 120))}`);
        return undefined;
      }
    });
  return { docs, problems };
}

const isFailureDoc = (d: unknown) => {
  const o = d as { ok?: unknown; error?: unknown; problems?: unknown };
  return (
    o !== null &&
    typeof o === 'object' &&
    (o.ok === false || o.error !== undefined || (Array.isArray(o.problems) && o.problems.length > 0))
  );
};

test('every --json command prints only JSON on stdout, on success and on failure', async () => {
  const table = cases(w).filter((c) => c.json);
  assert.ok(table.length >= 30, `${table.length} --json cases`);
  const failures: string[] = [];
  await runAll(table, async (c) => {
    const r = await wxbot(c.args, { cwd: cwdOf(w, c), env: c.env, input: c.input });
    const name = `wxbot ${c.args.join(' ')} (${c.what})`;
    if (r.code !== c.code) failures.push(`${name}: exit ${r.code}, expected ${c.code}: ${r.stderr.trim()}`);
    const { docs, problems } = parseLines(r.stdout);
    failures.push(...problems.map((p) => `${name}: ${p}`));
    if (c.json === 'one' && docs.length !== 1)
      failures.push(`${name}: ${docs.length} JSON lines, expected exactly one`);
    if (c.json === 'lines' && docs.length < 1) failures.push(`${name}: no JSON lines`);
    if (c.code !== 0 && !docs.some(isFailureDoc))
      failures.push(`${name}: failed, but no JSON says so (ok:false, error or problems): ${r.stdout.slice(0, 200)}`);
    // An error is also told on stderr; a check that found problems has said it all in its result.
    const error = docs.some((d) => (d as { error?: unknown } | null)?.error !== undefined);
    if (c.code !== 0 && error && !/^(wxbot|error): \S/m.test(r.stderr))
      failures.push(`${name}: an error, but no message on stderr`);
  });
  assert.deepEqual(failures, []);
});

test('a failure with nothing else to describe is {"ok":false,"error":{"message","exitCode"}}, the same message as on stderr', async () => {
  const r = await wxbot(['sign', '--json'], { cwd: w.empty });
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.stdout) as { ok: boolean; error: { message: string; exitCode: number } };
  assert.deepEqual(Object.keys(doc), ['ok', 'error']);
  assert.equal(doc.ok, false);
  assert.equal(doc.error.exitCode, 2);
  assert.equal(r.stderr, `wxbot: ${doc.error.message}\n`);

  const usage = await wxbot(['keys', '--json', '--bogus'], { cwd: w.empty });
  assert.equal(usage.code, 2);
  assert.deepEqual(JSON.parse(usage.stdout), {
    ok: false,
    error: { message: "unknown option '--bogus'", exitCode: 2 },
  });

  // After `--`, "--json" is an argument, not the flag.
  const literal = await wxbot(['sign', '--', '--json'], { cwd: w.empty });
  assert.equal(literal.code, 2);
  assert.equal(literal.stdout, '');
});

test('a failure that has a result prints that result, not a second document', async () => {
  const r = await wxbot(['simulate', 'text', 'x', '--url', `http://127.0.0.1:${w.closed}`, '--token', 't', '--json'], {
    cwd: w.empty,
  });
  assert.equal(r.code, 3);
  const doc = JSON.parse(r.stdout) as { status: null; error: string };
  assert.equal(doc.status, null);
  assert.match(doc.error, /ECONNREFUSED/);
});

test('tunnel --json: one JSON line on stdout once ready; progress, self-check and request log on stderr', async (t) => {
  const origin = new URL(w.good.url).origin;
  const c = runWxbot(
    ['tunnel', '--to', new URL(w.good.url).port, '--token', BROKEN_ACCOUNT.token, '--public-url', origin, '--json'],
    { cwd: w.empty },
  );
  t.after(() => c.kill('SIGKILL'));
  await c.waitFor(/wxbot: ready/);
  c.kill('SIGINT');
  const { code } = await c.exited;
  assert.equal(code, 0);
  const { docs, problems } = parseLines(c.stdout());
  assert.deepEqual(problems, []);
  assert.equal(docs.length, 1);
  const doc = docs[0] as { url: string; token: string; check: { ok: boolean } };
  assert.equal(doc.url, `${origin}/wechat`);
  assert.equal(doc.check.ok, true);
  assert.match(c.stderr(), /✓ Public URL: /);
  assert.match(c.stderr(), /✓ URL verification/);
});
