// A webhook URL on the command line or in WXBOT_URL is checked before anything is signed or sent:
// a missing http:// is a usage error (exit 2) that suggests the URL meant, not a network failure (3).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { wxbot } from './conventions-world.js';

test('every command that takes a webhook URL refuses one without http:// before sending (exit 2, not 3)', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'wxbot-url-'));
  const cases: [string[], Record<string, string>][] = [
    [['simulate', 'text', 'hi', '--token', 'abc123', '--url', '127.0.0.1:1/wechat'], {}],
    [['simulate', 'text', 'hi', '--token', 'abc123'], { WXBOT_URL: '127.0.0.1:1/wechat' }],
    [['sign', '--token', 'abc123', '--url', '127.0.0.1:1/wechat'], {}],
    [['replay', '--url', '127.0.0.1:1/wechat'], {}],
    [['ui', '--url', '127.0.0.1:1/wechat', '--token', 'abc123'], {}],
    [['test', '--url', '127.0.0.1:1/wechat', '--token', 'abc123'], {}],
  ];
  for (const [args, env] of cases) {
    const r = await wxbot(args, { cwd, env });
    const name = `wxbot ${args.join(' ')} ${JSON.stringify(env)}`;
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /must be an http:\/\/ or https:\/\/ URL, got "127\.0\.0\.1:1\/wechat": did you mean http:\/\/127\.0\.0\.1:1\/wechat \?/,
      name,
    );
    assert.equal(r.stdout, '', name);
  }
});
