// Where the running wxbot came from decides what a new project depends on: the registry range only when
// npm recorded a registry install, otherwise a file: spec to the wxbot's own directory (a clone, an
// unpacked package), so `npm install` in the new project never asks a registry for a wxbot it lacks.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { wxbotSource } from '../../src/init/wxbot-spec.js';

function layout(t: { after: (fn: () => void) => void }): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'wxbot-spec-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A package directory named wxbot under `parent`, and npm's hidden lockfile of `modules` when given. */
function installed(modules: string, lock?: Record<string, { resolved?: string }>): string {
  const root = join(modules, 'wxbot');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"name":"wxbot","version":"0.1.0"}');
  if (lock) writeFileSync(join(modules, '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: lock }));
  return root;
}

test('a clone (not inside any node_modules): file: to its own directory', (t) => {
  const clone = join(layout(t), 'wxbot');
  mkdirSync(clone);
  assert.deepEqual(wxbotSource(clone, '0.1.0'), { spec: `file:${clone}`, kind: 'directory', root: clone });
});

test('a registry install, local, global or through npx: the caret range of its version', (t) => {
  const dir = layout(t);
  const url = { resolved: 'https://registry.npmjs.org/wxbot/-/wxbot-0.1.0.tgz' };
  const local = installed(join(dir, 'app', 'node_modules'), { 'node_modules/wxbot': url });
  assert.equal(wxbotSource(local, '0.1.0').spec, '^0.1.0');
  const global = installed(join(dir, 'prefix', 'lib', 'node_modules'), { 'node_modules/wxbot': url });
  assert.equal(wxbotSource(global, '0.1.0').kind, 'registry');
  // A mirror (npmmirror, a company registry) is a registry too.
  const mirror = installed(join(dir, '_npx', 'abc', 'node_modules'), {
    'node_modules/wxbot': { resolved: 'https://registry.npmmirror.com/wxbot/-/wxbot-0.1.0.tgz' },
  });
  assert.equal(wxbotSource(mirror, '0.1.0').spec, '^0.1.0');
  // Nested under another package: the key is its path from the project root.
  const nested = installed(join(dir, 'deep', 'node_modules', 'tool', 'node_modules'));
  writeFileSync(
    join(dir, 'deep', 'node_modules', '.package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/tool/node_modules/wxbot': { resolved: 'file:../wxbot-0.1.0.tgz' } } }),
  );
  assert.equal(wxbotSource(nested, '0.1.0').kind, 'directory');
});

test('installed from a tarball: file: to the unpacked package', (t) => {
  const root = installed(join(layout(t), 'app', 'node_modules'), {
    'node_modules/wxbot': { resolved: 'file:wxbot-0.1.0.tgz' },
  });
  assert.deepEqual(wxbotSource(root, '0.1.0'), { spec: `file:${root}`, kind: 'directory', root });
});

test('linked (npm install <folder>, npm link): the real directory behind the link', (t) => {
  const dir = layout(t);
  const clone = join(dir, 'src', 'wxbot');
  mkdirSync(clone, { recursive: true });
  mkdirSync(join(dir, 'app', 'node_modules'), { recursive: true });
  symlinkSync(clone, join(dir, 'app', 'node_modules', 'wxbot'), 'dir');
  assert.equal(wxbotSource(join(dir, 'app', 'node_modules', 'wxbot'), '0.1.0').spec, `file:${clone}`);
});

test('inside node_modules with no npm record (another package manager, a broken lockfile): the registry range', (t) => {
  const dir = layout(t);
  assert.equal(wxbotSource(installed(join(dir, 'a', 'node_modules')), '0.2.0').spec, '^0.2.0');
  const broken = installed(join(dir, 'b', 'node_modules'));
  writeFileSync(join(dir, 'b', 'node_modules', '.package-lock.json'), '{ not json');
  assert.equal(wxbotSource(broken, '0.2.0').spec, '^0.2.0');
});
