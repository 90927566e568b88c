// A few seconds of `npm run soak` (SOAK_QUICK: correctness only, no memory or timing verdicts), so
// the harness itself and what it checks keep working: every message/event kind answered exactly,
// every hostile request its documented status, provider faults turned into the fallback text.
// The full soak is `npm run soak` (see test/soak/run.mjs); this is not a load test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Kind {
  name: string;
  category: string;
  n: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
}
interface Verdict {
  phase: string;
  criterion: string;
  value: string;
  pass: boolean | null;
}
interface Result {
  quick: boolean;
  verdicts: Verdict[];
  mixed: {
    valid: { n: number; errors: number };
    retry: { n: number; errors: number };
    hostile: { n: number; errors: number };
    kinds: Kind[];
  };
  fault: {
    valid: { n: number; errors: number };
    calls: { calls: number; ok: number; hang: number; late: number; stall: number };
    kinds: Kind[];
  };
}

test('a quick soak: every kind sent and answered correctly, hostile requests refused as documented, provider faults fall back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxbot-soak-test-'));
  try {
    const out = join(dir, 'soak.json');
    const r = spawnSync(process.execPath, ['test/soak/run.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        SOAK_QUICK: '1',
        SOAK_WARMUP: '1',
        SOAK_SECONDS: '2',
        SOAK_RATE: '400',
        SOAK_FAULT_SECONDS: '2',
        SOAK_HOSTILE: '0.15',
        SOAK_RETRY: '0.1',
        SOAK_JSON: out,
      },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^PASS$/m);
    const result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    assert.equal(result.quick, true);
    assert.deepEqual(
      result.verdicts.filter((v) => v.pass === false),
      [],
    );

    const { mixed, fault } = result;
    assert.equal(mixed.valid.errors + mixed.retry.errors + mixed.hostile.errors, 0);
    assert.ok(mixed.retry.n > 0, 'retries were sent');
    const sent = (category: string) =>
      new Set(mixed.kinds.filter((k) => k.category === category && k.n > 0).map((k) => k.name));
    // Every message type and event of test/fixtures/messages, and GET verification, in the mix.
    for (const kind of [
      'text echo',
      'image',
      'voice',
      'voice + Recognition',
      'video',
      'shortvideo',
      'location',
      'link',
      'unknown MsgType',
      'event subscribe',
      'event unsubscribe',
      'event SCAN',
      'event LOCATION',
      'event CLICK',
      'event VIEW',
      'event scancode_*',
      'event pic_*',
      'event location_select',
      'event view_miniprogram',
      'event TEMPLATESENDJOBFINISH',
      'event MASSSENDJOBFINISH',
      'event unknown',
      'GET verify',
      'GET verify (encrypted echostr)',
    ]) {
      assert.ok(sent('valid').has(kind), `no "${kind}" was sent`);
    }
    // Hostile requests got exactly their documented status.
    const hostile = mixed.kinds.filter((k) => k.category === 'hostile');
    assert.ok(hostile.length >= 10, `only ${hostile.length} hostile kinds were sent`);
    for (const k of hostile) assert.equal(k.ok, k.n, `${k.name}: ${JSON.stringify(k.statuses)}`);

    // The provider failed on one call in five, and each of those still got an answer (the fallback).
    assert.equal(fault.valid.errors, 0);
    assert.ok(fault.calls.hang + fault.calls.late + fault.calls.stall > 0, 'the provider never failed');
    assert.ok(fault.kinds.some((k) => k.name.startsWith('chat → provider hangs') && k.ok > 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
