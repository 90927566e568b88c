import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { allCommands, commandSpec, type CommandSpec } from '../../src/cli/completion/index.js';
import { COMMANDS, loadFullProgram } from '../../src/cli/program.js';
import { requireProgram } from '../helpers/system.js';
import { BIN, cleanEnv } from './tunnel-child.js';

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
function wxbot(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: cleanEnv(env) }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let spec: CommandSpec;
const scripts: Record<string, string> = {};
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wxbot-completion-'));
  spec = commandSpec(await loadFullProgram());
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await wxbot(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    scripts[shell] = r.stdout;
    writeFileSync(join(dir, shell), r.stdout);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

const TOP = [...Object.keys(COMMANDS), 'help'];

describe('bash', () => {
  // Sources the script in a real bash and calls _wxbot as bash's `complete -F` would, once per case.
  async function complete(cases: string[][]): Promise<string[][]> {
    const driver = [
      `source ${JSON.stringify(join(dir, 'bash'))}`,
      ...cases.map((words) => {
        const arr = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
        return `COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _wxbot; printf '%s\\n' "\${COMPREPLY[*]}"`;
      }),
    ].join('\n');
    const { stdout, stderr } = await run('bash', ['--norc', '--noprofile', '-c', driver], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    });
    assert.equal(stderr, '');
    const lines = stdout.split('\n').slice(0, cases.length);
    return lines.map((l) => l.split(' ').filter(Boolean));
  }

  test('completes commands, subcommands, long options and fixed option values', async () => {
    const cases: [string[], string[]][] = [
      [['wxbot', ''], TOP],
      [
        ['wxbot', 'si'],
        ['simulate', 'sign'],
      ],
      [
        ['wxbot', 'simulate', ''],
        ['verify', 'text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event'],
      ],
      [['wxbot', 'simulate', 'event', 'cl'], ['click']],
      [['wxbot', 'serve', '--lo'], ['--log-format']],
      [
        ['wxbot', 'serve', '--log-format', ''],
        ['pretty', 'json'],
      ],
      [['wxbot', 'serve', '--log-format', '=', 'j'], ['json']],
      [
        ['wxbot', 'tunnel', '--log-format', ''],
        ['pretty', 'json'],
      ],
      [
        ['wxbot', 'simulate', 'text', 'hi', '--mode', ''],
        ['plain', 'compat', 'safe'],
      ],
      // --token's value is skipped, and simulate's options count under its subcommands.
      [['wxbot', 'simulate', '--token', 'text', 'text', '--js'], ['--json']],
      [['wxbot', 'serve', '-p', '80', '--wa'], ['--watch']],
      [['wxbot', 'replay', '--mode', 's'], ['safe']],
      [
        ['wxbot', 'chat', '--provider', ''],
        ['tuling', 'openai'],
      ],
      [
        ['wxbot', 'menu', ''],
        ['get', 'create', 'delete'],
      ],
      [['wxbot', 'menu', 'create', '--d'], ['--dry-run']],
      [
        ['wxbot', 'completion', ''],
        ['bash', 'zsh', 'fish'],
      ],
      [['wxbot', 'help', 'men'], ['menu']],
      [
        ['wxbot', '-'],
        ['--version', '--help'],
      ],
      // Free text: nothing to offer (not the file names of the current directory).
      [['wxbot', 'sign', '--token', ''], []],
      [['wxbot', 'simulate', 'text', ''], []],
    ];
    const got = await complete(cases.map(([words]) => words));
    for (const [i, [words, want]] of cases.entries())
      assert.deepEqual(got[i], want, `wxbot ${words.slice(1).join(' ')}<TAB>`);
  });

  test('offers file names where a file is expected', async () => {
    writeFileSync(join(dir, 'menu.json'), '{}');
    writeFileSync(join(dir, 'bot.mjs'), '');
    const [create, serve, history] = await complete([
      ['wxbot', 'menu', 'create', 'men'],
      ['wxbot', 'serve', 'bo'],
      ['wxbot', 'history', '--file', 'men'],
    ]);
    assert.deepEqual(create, ['menu.json']);
    assert.deepEqual(serve, ['bot.mjs']);
    assert.deepEqual(history, ['menu.json']);
  });

  test('every command path offers exactly its real long options (no drift from the CLI)', async () => {
    const all = allCommands(spec).filter((c) => c.name !== 'help' || c.path.length > 2);
    const got = await complete(all.map((c) => [...c.path, '--']));
    all.forEach((c, i) => {
      const want = c.options.map((o) => o.long).filter((l): l is string => l?.startsWith('--') === true);
      assert.deepEqual(got[i], want, c.path.join(' '));
    });
    // Spot check against commander itself, not only the spec: serve's options and tunnel's own extras.
    assert.ok(got[all.findIndex((c) => c.path.join(' ') === 'wxbot serve')]!.includes('--no-history'));
    assert.ok(got[all.findIndex((c) => c.path.join(' ') === 'wxbot tunnel')]!.includes('--public-url'));
    assert.ok(got[all.findIndex((c) => c.path.join(' ') === 'wxbot simulate event click')]!.includes('--retry'));
  });
});

describe('zsh', requireProgram('zsh', { install: 'apt-get install zsh' }), () => {
  test('the script parses (zsh -n), names every command and registers for wxbot', async () => {
    await run('zsh', ['-n', join(dir, 'zsh')]);
    assert.match(scripts.zsh!, /^#compdef wxbot\n/);
    for (const name of TOP) assert.ok(scripts.zsh!.includes(`'${name}:`), `zsh script lacks ${name}`);
    // Both install ways: from $fpath (autoload through #compdef) and sourced after compinit.
    const fdir = join(dir, 'zfunc');
    rmSync(fdir, { recursive: true, force: true });
    await run('mkdir', ['-p', fdir]);
    writeFileSync(join(fdir, '_wxbot'), scripts.zsh!);
    const fromFpath = await run('zsh', [
      '-f',
      '-c',
      `fpath=(${fdir} $fpath); autoload -Uz compinit; compinit -u -d ${fdir}/.dump; print -r -- $_comps[wxbot]`,
    ]);
    assert.equal(fromFpath.stdout.trim(), '_wxbot');
    const sourced = await run('zsh', [
      '-f',
      '-c',
      `autoload -Uz compinit; compinit -u -d ${fdir}/.dump2; source ${join(dir, 'zsh')}; print -r -- $_comps[wxbot]`,
    ]);
    assert.equal(sourced.stdout.trim(), '_wxbot');
  });

  test('_wxbot offers the right words (zsh completion builtins stubbed to print what they get)', async () => {
    const driver = `
compdef() { : }
_describe() { local -a names; names=(\${reply%%:*}); print -r -- "\${(j: :)names}" }
compadd() { print -r -- "\${(j: :)\${(@P)2}}" }
_files() { print -r -- '<files>' }
compset() { : }
source ${join(dir, 'zsh')}
t() { words=("$@"); CURRENT=$#words; _wxbot }
t wxbot ''
t wxbot simulate ''
t wxbot serve --log-format ''
t wxbot serve --log-format=
t wxbot simulate text hi --mode ''
t wxbot completion ''
t wxbot menu create ''
t wxbot menu ''
`;
    const { stdout } = await run('zsh', ['-f', '-c', driver]);
    assert.deepEqual(stdout.trim().split('\n'), [
      TOP.join(' '),
      'verify text image voice video shortvideo location link event',
      'pretty json',
      'pretty json',
      'plain compat safe',
      'bash zsh fish',
      '<files>',
      'get create delete',
    ]);
  });
});

describe('fish', requireProgram('fish', { install: 'apt-get install fish' }), () => {
  test('the script parses (fish -n), names every command, and completes like the CLI', async () => {
    await run('fish', ['-n', join(dir, 'fish')]);
    for (const name of TOP) assert.ok(scripts.fish!.includes(`-a '${name}'`), `fish script lacks ${name}`);
    // fish's own completion engine: `complete -C` completes a command line as if TAB were pressed.
    const cases: [string, string[]][] = [
      ['wxbot ', TOP],
      ['wxbot simulate ', ['verify', 'text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'event']],
      ['wxbot simulate event cl', ['click']],
      ['wxbot serve --lo', ['--log-format']],
      ['wxbot serve --log-format ', ['pretty', 'json']],
      ['wxbot simulate --token text text --js', ['--json']],
      ['wxbot menu ', ['get', 'create', 'delete']],
      ['wxbot completion ', ['bash', 'zsh', 'fish']],
    ];
    const driver = [
      `source ${join(dir, 'fish')}`,
      ...cases.map(([line]) => `complete -C ${JSON.stringify(line)} | string split -f1 \\t | string join ' '`),
    ].join('\n');
    const { stdout } = await run('fish', ['--no-config', '-c', driver], { cwd: dir });
    const got = stdout.split('\n');
    for (const [i, [line, want]] of cases.entries())
      assert.deepEqual(got[i]!.split(' ').filter(Boolean).sort(), [...want].sort(), `${line}<TAB>`);
  });
});

describe('wxbot completion', () => {
  test('an unknown shell is a usage error (2) naming the supported ones, with nothing on stdout', async () => {
    const r = await wxbot(['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /tcsh[\s\S]*bash, zsh, fish/);
  });

  test('without a shell it follows $SHELL, and says so when $SHELL is not one it knows', async () => {
    const zsh = await wxbot(['completion'], { SHELL: '/usr/bin/zsh' });
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef wxbot/);
    const tcsh = await wxbot(['completion'], { SHELL: '/bin/tcsh' });
    assert.equal(tcsh.code, 2);
    assert.equal(tcsh.stdout, '');
    assert.match(tcsh.stderr, /SHELL=\/bin\/tcsh[^\n]*pass bash, zsh or fish/);
  });

  test('--help says where to install each script', async () => {
    const r = await wxbot(['completion', '--help']);
    assert.match(r.stdout, /wxbot completion bash > ~\/\.local\/share\/bash-completion\/completions\/wxbot/);
    assert.match(r.stdout, /wxbot completion zsh > ~\/\.zfunc\/_wxbot/);
    assert.match(r.stdout, /fpath=\(~\/\.zfunc \$fpath\)/);
    assert.match(r.stdout, /wxbot completion fish > ~\/\.config\/fish\/completions\/wxbot\.fish/);
  });

  test('`wxbot --version` imports neither the completion code nor any command module', async () => {
    const hook = join(dir, 'trace-imports.mjs');
    writeFileSync(
      hook,
      `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  writeSync(2, 'imported ' + r.url + '\\\\n');
  return r;
}\`));
`,
    );
    const { stdout, stderr } = await run(process.execPath, ['--import', hook, BIN, '--version'], { env: cleanEnv() });
    assert.match(stdout, /^\d+\.\d+\.\d+/);
    const loaded = stderr.split('\n').filter((l) => l.includes('/dist/'));
    assert.ok(
      loaded.some((l) => l.endsWith('/dist/cli/main.js')),
      stderr,
    );
    assert.deepEqual(
      loaded.filter((l) => /\/dist\/cli\/(completion|commands)\//.test(l)),
      [],
    );
  });
});
