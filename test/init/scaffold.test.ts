import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { test } from 'node:test';
import { InitError, packageNameFor, scaffoldProject } from '../../src/init/scaffold.js';
import { isValidAesKey } from '../../src/protocol/crypto.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wxbot-init-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writes a runnable project with fresh, valid keys', async (t) => {
  const dir = join(await tempDir(t), 'My Bot');
  const r = await scaffoldProject(dir, { wxbotSpec: '^1.2.3' });
  assert.deepEqual(r.files.map((f) => f.path).sort(), [
    '.env',
    '.gitignore',
    'README.md',
    'bot.mjs',
    'package.json',
    'tests/hello.convo',
  ]);
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'my-bot');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.dependencies.wxbot, '^1.2.3');
  assert.match(pkg.scripts.dev, /^wxbot serve bot\.mjs/);
  assert.equal(pkg.scripts.tunnel, 'wxbot tunnel bot.mjs --watch'); // the loop with a real account reloads on save too
  assert.match(pkg.scripts.start, /^wxbot serve bot\.mjs/);
  assert.equal(pkg.scripts.test, 'wxbot test --bot bot.mjs');
  assert.match(await readFile(join(dir, 'tests', 'hello.convo'), 'utf8'), /^> 你好\n< 你好！/m);
  const env = parseEnv(await readFile(join(dir, '.env'), 'utf8'));
  assert.match(env.WECHAT_TOKEN ?? '', /^[A-Za-z0-9]{32}$/);
  assert.equal(env.WECHAT_TOKEN, r.token);
  assert.ok(isValidAesKey(env.WECHAT_AES_KEY ?? ''));
  // serve refuses an AES key without an AppID, so a recognisable placeholder keeps the project runnable.
  assert.equal(env.WECHAT_APP_ID, 'wx0000000000000000');
  assert.equal((await stat(join(dir, '.env'))).mode & 0o777, 0o600);
  assert.match(await readFile(join(dir, '.gitignore'), 'utf8'), /^\.env$/m);
  const readme = await readFile(join(dir, 'README.md'), 'utf8');
  assert.match(readme, /npm run dev/);
  assert.match(readme, /npx wxbot ui /); // the phone in the browser, next to the dev server
  assert.ok(readme.split('\n').length < 40, 'the README stays short');
  const bot = await readFile(join(dir, 'bot.mjs'), 'utf8');
  for (const part of [
    "bot.text('你好'",
    "bot.on('image'",
    "bot.event('subscribe'",
    'bot.fallback(',
    "from 'wxbot'",
    'export default bot',
  ]) {
    assert.ok(bot.includes(part), `bot.mjs lacks ${part}`);
  }
  const again = await scaffoldProject(join(dir, 'second'), { wxbotSpec: '^1.2.3' });
  assert.notEqual(again.token, r.token);
  assert.notEqual(again.encodingAESKey, r.encodingAESKey);
});

test('refuses to overwrite and writes nothing, unless forced', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bot.mjs'), 'mine');
  await assert.rejects(scaffoldProject(dir, { wxbotSpec: '*' }), (e: unknown) => {
    assert.ok(e instanceof InitError);
    assert.deepEqual(e.files, ['bot.mjs']);
    return true;
  });
  await assert.rejects(stat(join(dir, 'package.json')), /ENOENT/, 'nothing half-written');
  assert.equal(await readFile(join(dir, 'bot.mjs'), 'utf8'), 'mine');
  await writeFile(join(dir, '.env'), 'OLD=1', { mode: 0o644 });
  const r = await scaffoldProject(dir, { wxbotSpec: '*', force: true });
  assert.deepEqual(
    r.files
      .filter((f) => f.overwritten)
      .map((f) => f.path)
      .sort(),
    ['.env', 'bot.mjs'],
  );
  assert.notEqual(await readFile(join(dir, 'bot.mjs'), 'utf8'), 'mine');
  assert.equal((await stat(join(dir, '.env'))).mode & 0o777, 0o600);
});

test('a path of the wrong kind blocks init, even with --force, and nothing is written', async (t) => {
  const base = await tempDir(t);
  // Each case: the project directory, what is in its way (set up from that path), and the paths reported.
  const cases: { setup: (dir: string) => Promise<unknown>; dir: string; files: (dir: string) => string[] }[] = [
    { setup: (d) => mkdir(d).then(() => writeFile(join(d, 'tests'), 'x')), dir: 'tests-file', files: () => ['tests'] },
    { setup: (d) => writeFile(d, 'x'), dir: 'a-file', files: (d) => [d] },
    { setup: (d) => writeFile(join(d, '..'), 'x'), dir: 'parent-file/sub', files: (d) => [join(d, '..')] },
    { setup: (d) => mkdir(join(d, 'bot.mjs'), { recursive: true }), dir: 'dir-at-file', files: () => ['bot.mjs'] },
    {
      setup: (d) => mkdir(d).then(() => symlink(join(d, 'gone', '.env'), join(d, '.env'))),
      dir: 'dangling-env',
      files: () => ['.env'],
    },
  ];
  for (const c of cases) {
    const dir = join(base, c.dir);
    await c.setup(dir);
    const before = await readdir(base, { recursive: true });
    for (const force of [false, true]) {
      await assert.rejects(scaffoldProject(dir, { wxbotSpec: '*', force }), (e: unknown) => {
        assert.ok(e instanceof InitError, `${c.dir}: ${String(e)}`);
        assert.equal(e.code, 'BLOCKED', c.dir);
        assert.deepEqual(e.files, c.files(dir), c.dir);
        assert.ok(e.message.startsWith(`cannot create the project in ${dir}: `), e.message);
        return true;
      });
    }
    assert.deepEqual(await readdir(base, { recursive: true }), before, `${c.dir}: nothing written`);
  }
});

test('a given AppID goes into .env instead of the placeholder', async (t) => {
  const dir = await tempDir(t);
  await scaffoldProject(dir, { wxbotSpec: '*', appId: 'wx1234567890abcdef' });
  const text = await readFile(join(dir, '.env'), 'utf8');
  assert.equal(parseEnv(text).WECHAT_APP_ID, 'wx1234567890abcdef');
  assert.doesNotMatch(text, /Placeholder/);
});

test('package names are npm-safe', () => {
  assert.equal(packageNameFor('/tmp/My Cool Bot!'), 'my-cool-bot');
  assert.equal(packageNameFor('/tmp/___'), 'wechat-bot');
});
