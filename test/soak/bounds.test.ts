// A few seconds of test/soak/bounds.mjs (BOUNDS_QUICK: answers checked, memory reported, not
// judged), so the script and what it checks keep working: huge MsgIds refused with 400, 900 KB
// texts answered and cut in the history, the session store capped. The full run is
// `node test/soak/bounds.mjs` (figures in docs/deploy/limits.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Phase {
  name: string;
  verdicts: { criterion: string; value: string; pass: boolean | null }[];
}

test('a quick bounds run: 128 KB MsgIds get 400, 900 KB texts are cut in the history, sessions are capped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-bounds-test-'));
  try {
    const out = join(dir, 'bounds.json');
    const r = spawnSync(process.execPath, ['test/soak/bounds.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        BOUNDS_QUICK: '1',
        BOUNDS_SECONDS: '1',
        BOUNDS_TEXT_SECONDS: '1',
        BOUNDS_QUIET_MS: '0',
        BOUNDS_USERS: '300',
        BOUNDS_MAX_ENTRIES: '100',
        BOUNDS_CONNECTIONS: '4',
        BOUNDS_JSON: out,
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const phases = (JSON.parse(readFileSync(out, 'utf8')) as { phases: Phase[] }).phases;
    assert.deepEqual(
      phases.map((p) => p.name),
      ['huge MsgIds', 'huge texts, history on', 'many users'],
    );
    for (const p of phases)
      for (const v of p.verdicts) assert.notEqual(v.pass, false, `${p.name}: ${v.criterion}: ${v.value}`);
    assert.match(r.stderr, /pass +the store is capped: the first user was evicted/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
