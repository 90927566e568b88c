// Holds the documentation (README*.md and docs/) to the suite: every shell command it shows is run by
// smoke.test.ts, or named by a `<!-- covered by: … -->` comment or here with the test (or .ci/run) that
// exercises it, or is a server-administration line that no test can run (and says so). A new command on
// any page fails this test until one of these is true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { docCommands, readmeCommands, shellWords, wxbotInvocations, type ReadmeCommand } from './extract.js';

const ROOT = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
const COMMANDS = docCommands();
const where = (c: ReadmeCommand) => `${c.file}:${c.at}`;

/** Command lines smoke.test.ts runs: its `line('…')` arguments, however formatted (the mode loop spelled out). */
function smokeLines(): Set<string> {
  const src = read('test/readme/smoke.test.ts');
  const out = new Set<string>();
  for (const m of src.matchAll(/line\(\s*(['`])((?:\\.|(?!\1).)*)\1,?\s*\)/g)) {
    const text = m[2]!.replace(/\\\\/g, '\\').replace(/\\'/g, "'");
    const placeholder = '$' + '{mode}'; // a template placeholder written literally in the tests' command strings
    if (text.includes(placeholder))
      for (const mode of ['plain', 'compat', 'safe']) out.add(norm(text.replace(placeholder, mode)));
    else out.add(norm(text));
  }
  return out;
}

interface Elsewhere {
  /** The documented command (normalised whitespace), or a pattern for a family of them. */
  command: string | RegExp;
  /** The file that runs it, and a string in that file showing it does. */
  by: string;
  needle: string;
}

// Commands whose real run needs something a test cannot have (the internet, fixed ports 5051/5052, a
// slow bot), exercised by the named test in the form it can run.
const ELSEWHERE: Elsewhere[] = [
  { command: 'npm ci', by: '.ci/run', needle: 'npm ci' },
  { command: 'npm test', by: '.ci/run', needle: 'npm test' },
  { command: 'npm run lint', by: '.ci/run', needle: 'npm run lint' },
  // The documented line compares with a copy of the checkout; the test runs the tool on two targets.
  { command: /^node test\/bench\/turns\.mjs /, by: 'test/bench/turns.test.ts', needle: "'test/bench/turns.mjs'" },
  { command: 'npm run docs', by: '.ci/run', needle: 'npm run docs' },
  { command: 'npm run test:node-only', by: 'test/helpers/system.test.ts', needle: 'run-without.mjs' },
  { command: 'wxbot serve', by: 'test/cli/chat-serve.test.ts', needle: 'TULING_API_URL' },
  { command: /^npx wxbot tunnel bot\.mjs --watch$/, by: 'test/cli/tunnel.test.ts', needle: "'--ngrok-server-addr'" },
  {
    command: /^npx wxbot tunnel bot\.mjs --public-url /,
    by: 'test/cli/tunnel.test.ts',
    needle: "'--public-url', proxy.url",
  },
  { command: /^(NGROK_AUTHTOKEN=\S+ )?wxbot tunnel/, by: 'test/cli/tunnel.test.ts', needle: "'tunnel'" },
  {
    command: 'wxbot simulate text 查天气 --retry --timeout 1',
    by: 'test/cli/simulate-serve-retry.test.ts',
    needle: "'--retry'",
  },
  {
    command: /^wxbot serve bot\.mjs --port 505[12] --no-history &$/,
    by: 'test/scale/replicas.test.ts',
    needle: "'--no-history'",
  },
  {
    command: /^export (WECHAT_TOKEN=\.\.\.|REDIS_URL=)/,
    by: 'test/scale/replicas.test.ts',
    needle: 'REDIS_URL: redis.url',
  },
  {
    command: /^export WECHAT_APP_ID=\S+ WECHAT_APP_SECRET=/,
    by: 'test/readme/smoke.test.ts',
    needle: 'WECHAT_APP_SECRET: api.appSecret',
  },
  { command: 'curl -fsS http://127.0.0.1:5050/healthz', by: 'test/cli/serve.test.ts', needle: '/healthz' },
  {
    command: "curl -fsS 'http://127.0.0.1:5050/healthz?strict=1'",
    by: 'test/server/healthz.test.ts',
    needle: "'?strict=1'",
  },
  // The troubleshooting lines are the smoke-tested commands with a production URL and placeholders.
  {
    command: /^wxbot simulate (verify|text 你好) --url https:\/\/bot\.example\.com\/wechat --token yourtoken123/,
    by: 'test/readme/smoke.test.ts',
    needle: "'wxbot simulate verify --url http://127.0.0.1:8000/wechat --token abc123'",
  },
  { command: 'npx wxbot tunnel bot.mjs --watch', by: 'test/cli/tunnel.test.ts', needle: "'--ngrok-server-addr'" },
];

// Lines for a production server or a benchmark run: not run by the suite, for the reason given.
const NOT_RUN: Record<string, string> = {
  sudo: 'systemd and certbot administration on a server',
  systemctl: 'systemd administration on a server',
  journalctl: 'systemd administration on a server',
  pm2: 'pm2 is not a dependency; the ecosystem file runs the same `wxbot serve` line as systemd',
  'npm run bench': 'minutes of load on loopback: run by hand (`npm run bench`), never in the test suite',
  'npm run soak': 'a 60 s load run: run by hand, never in the test suite',
  'node test/bench/startup.mjs': 'a timing benchmark: run by hand',
  'npm run mutate': 'minutes of test runs against deliberately broken copies of the code: run by hand',
  'node test/bench/instructions.mjs handler plain': 'a minute or two under valgrind: run by hand',
  'WXBOT_BENCH_REFERENCE=scan-xml node test/bench/instructions.mjs handler plain':
    'a minute or two under valgrind: run by hand (test/bench/reference-paths.test.ts checks the switch)',
  'node test/bench/instructions.mjs serve safe': 'a minute or two under valgrind: run by hand',
  'bash .ci/run': 'the CI entry itself: apt-installs packages as root, then runs npm test; CI runs it on a fresh clone',
};

/**
 * A block marked `<!-- covered by: files -->`: the files exist, and between them they run the command
 * (its name as a word) with every flag the documented line uses.
 */
function coveredBy(c: ReadmeCommand): string {
  const files = c.coveredBy!;
  for (const f of files) assert.ok(existsSync(new URL(f, ROOT)), `${where(c)}: ${f} does not exist`);
  const text = files.map(read).join('\n');
  for (const args of wxbotInvocations(c.line)) {
    const name = args[0];
    if (name && !name.startsWith('-'))
      assert.match(
        text,
        new RegExp(`['"\` ]${name}['"\` ]`),
        `${where(c)}: ${files.join(', ')} never run \`wxbot ${name}\``,
      );
    for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!)) {
      assert.ok(text.includes(flag), `${where(c)}: ${files.join(', ')} never pass ${flag} (\`${c.line}\`)`);
    }
  }
  return files.join(', ');
}

function classify(c: ReadmeCommand, smoke: Set<string>): string | undefined {
  const line = c.line;
  const n = norm(line);
  if (smoke.has(n)) return 'smoke';
  if (c.coveredBy) return coveredBy(c);
  const e = ELSEWHERE.find((x) => (typeof x.command === 'string' ? x.command === n : x.command.test(n)));
  if (e) {
    assert.ok(existsSync(new URL(e.by, ROOT)), `${e.by} does not exist`);
    assert.ok(read(e.by).includes(e.needle), `${e.by} no longer contains ${e.needle} (claimed to run \`${n}\`)`);
    return e.by;
  }
  const notRun = NOT_RUN[n] ?? NOT_RUN[shellWords(n)[0]!];
  return notRun ? 'not run' : undefined;
}

test('every shell command in the docs is run by a test, .ci/run, or listed as not runnable with a reason', () => {
  const smoke = smokeLines();
  assert.ok(COMMANDS.length > 60, 'the docs lost their commands');
  for (const page of ['README.md', 'docs/getting-started/quick-start.md', 'docs/cli/simulate.md']) {
    assert.ok(
      COMMANDS.some((c) => c.file === page),
      `${page} shows no commands`,
    );
  }
  const uncovered = COMMANDS.filter((c) => classify(c, smoke) === undefined).map((c) => `${where(c)}: ${c.line}`);
  assert.deepEqual(uncovered, []);
});

test('every command smoke.test.ts runs is still in the docs', () => {
  const shown = new Set(COMMANDS.map((c) => norm(c.line)));
  const gone = [...smokeLines()].filter((l) => !shown.has(l));
  assert.deepEqual(gone, []);
});

test('the extractor reads prompts, continuations, comments and $( … ) the way a shell user means them', () => {
  const sample = [
    '```console',
    '$ wxbot sign --token a  # a comment',
    'f464b24f',
    '```',
    '```sh',
    'OPENAI_API_KEY=sk-1',
    'wxbot simulate text 你好 --url http://x \\',
    '  --token t',
    '# only a comment',
    '```',
  ].join('\n');
  const cmds = readmeCommands(sample);
  assert.deepEqual(
    cmds.map((c) => c.line),
    ['wxbot sign --token a', 'wxbot simulate text 你好 --url http://x --token t'],
  );
  const marked = readmeCommands(
    '<!-- covered by: test/cli/sign.test.ts (the vector),\n     .ci/run -->\n```sh\nwxbot sign --nope\n```\n\nprose\n```sh\nwxbot keys\n```',
  );
  assert.deepEqual(
    marked.map((c) => c.coveredBy),
    [['test/cli/sign.test.ts', '.ci/run'], undefined],
  );
  assert.throws(() => coveredBy(marked[0]!), /never pass --nope/);
  assert.deepEqual(wxbotInvocations('curl "$(wxbot sign --token abc --url http://h/w)" | jq .'), [
    ['sign', '--token', 'abc', '--url', 'http://h/w'],
  ]);
});
