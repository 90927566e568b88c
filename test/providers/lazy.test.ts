// undici must load only when a provider makes a call: `wxbot --version` and a serve without a provider stay light.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// A resolve hook that reports every import of undici on stderr (hooks run off-thread; fs is safe).
const hook = `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (specifier === 'undici') writeSync(2, 'UNDICI_LOADED\\n');
  return next(specifier, context);
}`)}`;
const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', register, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { ...r, loaded: r.stderr.includes('UNDICI_LOADED') };
}

test('the hook sees undici when it is imported (control)', () => {
  assert.equal(run(['--input-type=module', '-e', "await import('undici')"]).loaded, true);
});

test('wxbot --version does not load undici', () => {
  const r = run(['bin/wxbot.js', '--version']);
  assert.equal(r.status, 0);
  assert.equal(r.loaded, false);
});

test('importing the library and building providers (env without keys) does not load undici', () => {
  const code = `const w = await import('./dist/providers/index.js');
    if (w.providerFromEnv({}) !== undefined) throw new Error('expected no provider');
    w.tulingProvider({ apiKey: 'k' }); w.openaiProvider({ apiKey: 'k' }); w.withBudget(async () => 'x');`;
  const r = run(['--input-type=module', '-e', code]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.loaded, false);
});
