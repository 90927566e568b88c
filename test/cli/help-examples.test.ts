import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { loadFullProgram } from '../../src/cli/program.js';
import { BIN, cleanEnv } from './tunnel-child.js';

const run = promisify(execFile);

/**
 * Problems with one help text: it must end with an "Examples:" block, every line of which runs
 * that very command (`$ wxbot <path> …`, optionally after VAR=value settings).
 */
function examplesProblems(help: string, path: string): string[] {
  const lines = help.trimEnd().split('\n');
  const start = lines.lastIndexOf('Examples:');
  if (start < 0) return [`${path}: no "Examples:" block`];
  const examples = lines.slice(start + 1);
  if (examples.length === 0) return [`${path}: "Examples:" is empty`];
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const runsIt = new RegExp(`^  \\$ (?:[A-Z_]+=\\S* )*${escaped}(?: |$)`);
  return examples.filter((l) => !runsIt.test(l)).map((l) => `${path}: not an example of it: ${JSON.stringify(l)}`);
}

function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({
    writeOut: (s) => {
      text += s;
    },
    writeErr: (s) => {
      text += s;
    },
  });
  cmd.outputHelp();
  return text;
}

function walk(cmd: Command, path: string[]): [string, Command][] {
  return [[path.join(' '), cmd], ...cmd.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

test('every command and subcommand --help ends with examples of that command', async () => {
  const all = walk(await loadFullProgram(), ['wxbot']);
  assert.ok(all.length >= 40, `the whole tree (${all.length} commands)`);
  for (const p of ['wxbot simulate event location_select', 'wxbot menu delete', 'wxbot completion', 'wxbot history']) {
    assert.ok(
      all.some(([path]) => path === p),
      `walked ${p}`,
    );
  }
  const problems = all.flatMap(([path, cmd]) => examplesProblems(helpOf(cmd), path));
  assert.deepEqual(problems, []);
});

test('the real binary prints the same: a few commands through `wxbot … --help` and `wxbot help …`', async () => {
  const cases: [string[], string][] = [
    [['--help'], 'wxbot'],
    [['simulate', '--help'], 'wxbot simulate'],
    [['simulate', 'event', 'click', '--help'], 'wxbot simulate event click'],
    [['menu', 'create', '--help'], 'wxbot menu create'],
    [['completion', '--help'], 'wxbot completion'],
    [['help', 'history'], 'wxbot history'],
  ];
  await Promise.all(
    cases.map(async ([args, path]) => {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: cleanEnv() });
      assert.equal(stderr, '', `${args.join(' ')}: help goes to stdout`);
      assert.deepEqual(examplesProblems(stdout, path), []);
    }),
  );
});

test('the checker itself rejects help without examples, with trailing text, or with examples of another command', () => {
  assert.equal(examplesProblems('Usage: wxbot keys\n', 'wxbot keys').length, 1);
  assert.equal(examplesProblems('Examples:\n  $ wxbot keys\n\nExit codes: 0 ok\n', 'wxbot keys').length, 2);
  assert.equal(examplesProblems('Examples:\n  $ wxbot replay 12\n', 'wxbot history').length, 1);
  assert.equal(examplesProblems('Examples:\n  $ wxbot simulate text hi\n', 'wxbot simulate te').length, 1);
  assert.deepEqual(examplesProblems('Examples:\n  $ WECHAT_TOKEN=x wxbot sign --json\n', 'wxbot sign'), []);
});
