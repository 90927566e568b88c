// The documented exit codes (0 ok; 1 check failed or service error; 2 usage or missing configuration;
// 3 network), and where the words go: on failure, nothing on stdout (unless the command has a result
// to show, or --json was asked for) and the message on stderr.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { COMMANDS } from '../../src/cli/program.js';
import { cases, cwdOf, runAll, startWorld, wxbot, type World } from './conventions-world.js';

let w: World;
before(async () => {
  w = await startWorld();
});
after(() => w?.stop());

test('every command gives the documented exit code, with errors on stderr and nothing on stdout', async () => {
  // The --json rows run in json-output.test.ts, which checks their exit codes too.
  const table = cases(w).filter((c) => !c.json);
  const failures: string[] = [];
  await runAll(table, async (c) => {
    const r = await wxbot(c.args, { cwd: cwdOf(w, c), env: c.env, input: c.input });
    const name = `wxbot ${c.args.join(' ')} (${c.what})`;
    if (r.code !== c.code) failures.push(`${name}: exit ${r.code}, expected ${c.code}\n  stderr: ${r.stderr.trim()}`);
    if (c.code !== 0 && !c.json && !c.resultOnFailure) {
      if (r.stdout !== '')
        failures.push(`${name}: failed but printed on stdout: ${JSON.stringify(r.stdout.slice(0, 200))}`);
      // Our own errors start with "wxbot:", commander's with "error:"; a group without its subcommand shows its usage.
      if (!/^(wxbot: |error: |Usage: wxbot )\S/m.test(r.stderr))
        failures.push(`${name}: no error message on stderr: ${JSON.stringify(r.stderr.slice(0, 200))}`);
    }
    if (c.code === 0 && !c.json && r.stdout === '')
      failures.push(`${name}: succeeded without printing its result on stdout`);
  });
  assert.deepEqual(failures, []);
});

test('the table covers every command, and every exit code of the commands that talk to something', () => {
  const table = cases(w);
  const covered = new Set(table.map((c) => c.cmd.split(' ')[0]));
  for (const name of Object.keys(COMMANDS)) assert.ok(covered.has(name), `no case for wxbot ${name}`);
  for (const name of ['simulate', 'chat', 'menu', 'media', 'qrcode', 'template', 'replay', 'tunnel']) {
    const codes = new Set(table.filter((c) => c.cmd.split(' ')[0] === name).map((c) => c.code));
    assert.deepEqual([...codes].sort(), name === 'tunnel' ? [1, 2, 3] : [0, 1, 2, 3], `wxbot ${name}`);
  }
});

test('a usage error is followed by the --help of the command it is about, at every depth', async () => {
  const expect: [string[], string][] = [
    [['bogus'], 'wxbot --help'],
    [['serve', '--bogus'], 'wxbot serve --help'],
    [['simulate', 'image'], 'wxbot simulate image --help'],
    [['media', 'upload'], 'wxbot media upload --help'],
  ];
  for (const [args, help] of expect) {
    const r = await wxbot(args, { cwd: w.empty });
    assert.equal(r.code, 2, `wxbot ${args.join(' ')}`);
    assert.match(r.stderr, /^error: .+\n/, `wxbot ${args.join(' ')}`);
    assert.ok(r.stderr.endsWith(`(run \`${help}\` for usage)\n`), `wxbot ${args.join(' ')}: ${r.stderr}`);
  }
});
