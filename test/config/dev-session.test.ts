/** The dev-session file `wxbot serve` leaves for `wxbot simulate`: permissions, atomicity, liveness, ownership. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  devSessionPath,
  isProcessAlive,
  readDevSession,
  removeDevSession,
  writeDevSession,
  type DevSession,
} from '../../src/config/dev-session.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'wxbot-devsession-'));
const session = (over: Partial<DevSession> = {}): DevSession => ({
  token: 'abcDEF123456',
  url: 'http://127.0.0.1:5057/wechat',
  pid: process.pid,
  startedAt: '2024-01-01T00:00:00.000Z',
  ...over,
});
const alive = () => true;
const dead = () => false;

test('writes .wxbot/dev-session.json with a 0700 directory, a 0600 file and a .gitignore of *', {
  skip: process.platform === 'win32',
}, () => {
  const cwd = tmp();
  const path = writeDevSession(cwd, session());
  assert.equal(path, join(cwd, '.wxbot', 'dev-session.json'));
  assert.equal(path, devSessionPath(cwd));
  assert.equal(statSync(join(cwd, '.wxbot')).mode & 0o777, 0o700);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(cwd, '.wxbot', '.gitignore'), 'utf8'), '*\n');
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), session());
  assert.deepEqual(
    readdirSync(join(cwd, '.wxbot')).sort(),
    ['.gitignore', 'dev-session.json'],
    'no temp file left behind',
  );
});

test('an existing .gitignore in .wxbot is kept; a rewrite replaces the session whole', () => {
  const cwd = tmp();
  writeDevSession(cwd, session());
  writeFileSync(join(cwd, '.wxbot', '.gitignore'), '*\n# mine\n');
  writeDevSession(cwd, session({ token: 'second22token', url: 'http://127.0.0.1:6000/hook' }));
  assert.equal(readFileSync(join(cwd, '.wxbot', '.gitignore'), 'utf8'), '*\n# mine\n');
  assert.deepEqual(
    readDevSession(cwd, { isAlive: alive }),
    session({ token: 'second22token', url: 'http://127.0.0.1:6000/hook' }),
  );
});

test('reads the session of a live process; no file means no session', () => {
  const cwd = tmp();
  assert.equal(readDevSession(cwd), undefined);
  writeDevSession(cwd, session());
  assert.deepEqual(readDevSession(cwd), session(), 'this process is alive');
});

test('a stale session (dead pid) is ignored and removed, unless removeStale is false', () => {
  const cwd = tmp();
  writeDevSession(cwd, session());
  assert.equal(readDevSession(cwd, { isAlive: dead, removeStale: false }), undefined);
  assert.ok(existsSync(devSessionPath(cwd)));
  assert.equal(readDevSession(cwd, { isAlive: dead }), undefined);
  assert.ok(!existsSync(devSessionPath(cwd)));
});

test('malformed or foreign files are not taken as credentials', () => {
  const cwd = tmp();
  writeDevSession(cwd, session());
  for (const text of [
    'not json',
    '[]',
    'null',
    JSON.stringify({ ...session(), token: 'has space' }),
    JSON.stringify({ ...session(), url: 'file:///etc/passwd' }),
    JSON.stringify({ ...session(), pid: -1 }),
    JSON.stringify({ ...session(), pid: '12' }),
    JSON.stringify({ url: session().url, pid: process.pid }),
  ]) {
    writeFileSync(devSessionPath(cwd), text);
    assert.equal(readDevSession(cwd, { isAlive: alive }), undefined, text);
  }
});

test('removeDevSession deletes only a file that still holds its own pid and Token', () => {
  const cwd = tmp();
  writeDevSession(cwd, session({ pid: 4242 }));
  assert.equal(removeDevSession(cwd, { pid: process.pid, token: 'abcDEF123456' }), false, 'another pid took over');
  assert.equal(removeDevSession(cwd, { pid: 4242, token: 'otherToken1' }), false, 'another run, same pid');
  assert.ok(existsSync(devSessionPath(cwd)));
  assert.equal(removeDevSession(cwd, { pid: 4242, token: 'abcDEF123456' }), true);
  assert.ok(!existsSync(devSessionPath(cwd)));
  assert.equal(removeDevSession(cwd, { pid: 4242, token: 'abcDEF123456' }), false, 'nothing left to remove');
});

test('isProcessAlive: this process yes, an exited child no', async () => {
  assert.equal(isProcessAlive(process.pid), true);
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  assert.equal(isProcessAlive(pid), false);
});
