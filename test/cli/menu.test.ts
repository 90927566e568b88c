import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../fakes/redis.js';
import { startFakeWechatApi, type FakeWechatApi } from '../fakes/wechat-api.js';

const BIN = new URL('../../bin/wxbot.js', import.meta.url).pathname;
const MENU = {
  button: [
    { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
    { name: '菜单', sub_button: [{ type: 'view', name: '搜索', url: 'https://www.soso.com/' }] },
  ],
};

let fake: FakeWechatApi;
let dir: string;
before(async () => {
  fake = await startFakeWechatApi();
  dir = mkdtempSync(join(tmpdir(), 'wxbot-menu-'));
  writeFileSync(join(dir, 'menu.json'), JSON.stringify(MENU));
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify({
      button: [
        { type: 'click', name: '一个非常非常长的名字' },
        { name: 'm', sub_button: [] },
        { type: 'view', name: 'v', url: 'https://x' },
        { type: 'view', name: 'w', url: 'https://y' },
      ],
    }),
  );
  writeFileSync(join(dir, 'broken.json'), '{"button": [');
});
after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function wxbot(args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WECHAT_')));
  const account = { WECHAT_APP_ID: fake.appId, WECHAT_APP_SECRET: fake.appSecret, WECHAT_API_BASE: fake.url };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'menu', ...args],
      { cwd, env: { ...base, NO_COLOR: '1', ...account, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

test('create with an invalid file prints every problem with its JSON path, exits 1 and sends nothing', async () => {
  const n = fake.calls.length;
  const r = await wxbot(['create', 'bad.json']);
  assert.equal(r.code, 1);
  for (const path of ['$.button:', '$.button[0].name:', '$.button[0].key:', '$.button[1].sub_button:']) {
    assert.ok(r.stderr.includes(`  ${path}`), `missing ${path} in:\n${r.stderr}`);
  }
  assert.match(r.stderr, /4 problem\(s\); nothing was sent/);
  assert.equal(fake.calls.length, n, 'no request reached the API, not even for a token');
});

test('create --json on an invalid file prints the problems as pure JSON', async () => {
  const r = await wxbot(['create', 'bad.json', '--json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { ok: boolean; problems: { path: string }[] };
  assert.equal(out.ok, false);
  assert.equal(out.problems.length, 4);
});

test('a file that is not JSON, or missing, is a clear failure', async () => {
  const broken = await wxbot(['create', 'broken.json']);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /broken\.json is not valid JSON/);
  const missing = await wxbot(['create', 'nope.json']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read nope\.json: no such file/);
});

test('a menu file saved as UTF-8 with a byte order mark (Windows editors) reads as JSON', async () => {
  writeFileSync(join(dir, 'bom.json'), `\uFEFF${JSON.stringify(MENU)}`);
  const r = await wxbot(['create', 'bom.json', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
});

test('create --dry-run validates without sending', async () => {
  const n = fake.calls.length;
  const r = await wxbot(['create', 'menu.json', '--dry-run']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /valid menu/);
  assert.equal(fake.calls.length, n);
});

test('create, get, delete against the fake API', async () => {
  const created = await wxbot(['create', 'menu.json']);
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(fake.menu, MENU);

  const got = await wxbot(['get']);
  assert.equal(got.code, 0);
  assert.deepEqual(JSON.parse(got.stdout), MENU, 'get prints a file create accepts');
  const gotJson = await wxbot(['get', '--json']);
  assert.deepEqual(JSON.parse(gotJson.stdout), { menu: MENU });

  const deleted = await wxbot(['delete', '--json']);
  assert.equal(deleted.code, 0);
  assert.deepEqual(JSON.parse(deleted.stdout), { ok: true });
  assert.equal(fake.menu, undefined);

  const none = await wxbot(['get', '--json']);
  assert.equal(none.code, 0);
  assert.equal(none.stdout.trim(), 'null');
  assert.match(none.stderr, /no custom menu/);
});

test('settings: flags beat the environment, which beats .env', async () => {
  const envDir = mkdtempSync(join(tmpdir(), 'wxbot-menu-env-'));
  try {
    writeFileSync(
      join(envDir, '.env'),
      `WECHAT_APP_ID=${fake.appId}\nWECHAT_APP_SECRET=${fake.appSecret}\nWECHAT_API_BASE=${fake.url}\n`,
    );
    const fromDotEnv = await wxbot(
      ['delete'],
      { WECHAT_APP_ID: '', WECHAT_APP_SECRET: '', WECHAT_API_BASE: '' },
      envDir,
    );
    assert.equal(fromDotEnv.code, 0, fromDotEnv.stderr);
    const envWins = await wxbot(['delete'], { WECHAT_APP_SECRET: 'wrong-secret-xyz' }, envDir);
    assert.equal(envWins.code, 1);
    assert.match(envWins.stderr, /40125/);
    assert.doesNotMatch(envWins.stderr, /wrong-secret-xyz/);
    const flagWins = await wxbot(
      ['delete', '--app-secret', fake.appSecret],
      { WECHAT_APP_SECRET: 'wrong-secret-xyz' },
      envDir,
    );
    assert.equal(flagWins.code, 0, flagWins.stderr);
  } finally {
    rmSync(envDir, { recursive: true, force: true });
  }
});

test('no account is a usage error (2); no API is a network error (3)', async () => {
  const none = await wxbot(['get'], { WECHAT_APP_ID: '', WECHAT_APP_SECRET: '' }, tmpdir());
  assert.equal(none.code, 2);
  assert.match(none.stderr, /WECHAT_APP_ID and WECHAT_APP_SECRET/);
  const port = await freePort();
  const down = await wxbot(['get', '--api-base', `http://127.0.0.1:${port}`]);
  assert.equal(down.code, 3);
  assert.match(down.stderr, /no answer/);
});

test('an API base that is not an http(s) URL: exit 2 naming the flag or the variable it came from', async () => {
  const flag = await wxbot(['get', '--api-base', '127.0.0.1:43009']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--api-base must be an http\(s\) URL .*got "127\.0\.0\.1:43009"/);
  const env = await wxbot(['get'], { WECHAT_API_BASE: 'ftp://example.com' });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /WECHAT_API_BASE must be an http\(s\) URL/);
});

test('--help ends with examples', async () => {
  const r = await wxbot(['create', '--help']);
  assert.match(r.stdout, /Examples:\n {2}\$ wxbot menu create menu\.json --dry-run/);
});
