import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { colorLevel } from '../../src/cli/color.js';
import { BROKEN_ACCOUNT, type BrokenServer, useBrokenServer } from '../fakes/broken-server.js';
import { requireProgram } from '../helpers/system.js';
import { BIN } from './tunnel-child.js';

const ANSI = /\x1b\[[0-9;]*m/;
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const needScript = () => requireProgram('script', { install: 'apt-get install bsdutils' });
const cwd = mkdtempSync(join(tmpdir(), 'wxbot-color-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

/** The environment of a person's shell: no wxbot settings, and no NO_COLOR (test/run.mjs sets it). */
function shellEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      !/^(WECHAT_|WXBOT_|NGROK_|OPENAI_|TULING_|REDIS_URL$|PORT$|NO_COLOR$|FORCE_COLOR$|NODE_DISABLE_COLORS$)/.test(k)
    )
      env[k] = v;
  }
  return { ...env, TERM: 'xterm-256color', ...extra };
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Running {
  output(): string;
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  done: Promise<number | null>;
  kill(): void;
}

/** Runs `wxbot …` with stdout and stderr on a pseudo-terminal (`script`), or on pipes. */
function wxbot(args: string[], o: { tty: boolean; env?: Record<string, string> }): Running {
  const child = o.tty
    ? spawn('script', ['-qfec', [process.execPath, BIN, ...args].map(shq).join(' '), '/dev/null'], {
        cwd,
        env: shellEnv(o.env),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, [BIN, ...args], { cwd, env: shellEnv(o.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const collect = (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of waiters) w();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exited = false;
  const done = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exited = true; // before the waiters run, so one still waiting rejects now
      resolve(code);
      for (const w of waiters) w();
    }),
  );
  return {
    output: () => out,
    done,
    kill: () => {
      if (!exited) child.kill('SIGTERM');
    },
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out}`)), 15_000);
        const check = () => {
          const m = strip(out).match(re);
          if (m) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(m);
          } else if (exited) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`exited before ${re}:\n${out}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

describe('colorLevel: clig.dev and no-color.org rules', () => {
  const tty = { isTTY: true, getColorDepth: () => 8 };
  test('colour on a terminal only', () => {
    assert.equal(colorLevel(tty, {}), 2);
    assert.equal(colorLevel({ isTTY: false }, {}), 0);
    assert.equal(colorLevel({}, {}), 0);
  });
  test('NO_COLOR (non-empty) and TERM=dumb turn it off; FORCE_COLOR forces it either way', () => {
    assert.equal(colorLevel(tty, { NO_COLOR: '1' }), 0);
    assert.equal(colorLevel(tty, { NO_COLOR: '' }), 2, 'an empty NO_COLOR does not count (no-color.org)');
    assert.equal(colorLevel(tty, { TERM: 'dumb' }), 0);
    assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: '1' }), 1);
    assert.equal(colorLevel({ isTTY: false }, { FORCE_COLOR: '3' }), 3);
    assert.equal(colorLevel(tty, { FORCE_COLOR: '0' }), 0);
  });
});

describe('simulate: the rendered reply', needScript(), () => {
  let server: BrokenServer;
  useBrokenServer((s) => (server = s));
  const args = () => [
    'simulate',
    'text',
    '你好',
    '--url',
    server.url,
    '--token',
    BROKEN_ACCOUNT.token,
    '--mode',
    'plain',
  ];

  test('is coloured on a terminal', async () => {
    const r = wxbot(args(), { tty: true });
    assert.equal(await r.done, 0, r.output());
    assert.match(strip(r.output()), /✓ WeChat would accept this reply/);
    assert.match(r.output(), ANSI);
  });

  test('has no colour on a terminal with NO_COLOR=1', async () => {
    const r = wxbot(args(), { tty: true, env: { NO_COLOR: '1' } });
    assert.equal(await r.done, 0, r.output());
    assert.match(r.output(), /✓ WeChat would accept this reply/);
    assert.doesNotMatch(r.output(), ANSI);
  });

  test('has no colour when piped', async () => {
    const r = wxbot(args(), { tty: false });
    assert.equal(await r.done, 0, r.output());
    assert.match(r.output(), /✓ WeChat would accept this reply/);
    assert.doesNotMatch(r.output(), ANSI);
  });
});

describe('serve: the banner (stderr) and the request log (stdout)', needScript(), () => {
  async function serveAndRequest(o: { tty: boolean; env?: Record<string, string> }): Promise<string> {
    const r = wxbot(['serve', '--port', '0', '--host', '127.0.0.1', '--token', 'colortoken123', '--no-history'], o);
    try {
      const [, url] = await r.waitFor(/URL\s+(http:\/\/\S+)/);
      const res = await fetch(`${url}?signature=bad&timestamp=1&nonce=2&echostr=x`);
      assert.equal(res.status, 401);
      await r.waitFor(/GET\s+401/);
      return r.output();
    } finally {
      r.kill();
      await r.done;
    }
  }

  test('are coloured on a terminal', async () => {
    const out = await serveAndRequest({ tty: true });
    const [banner, log] = [out.slice(0, out.indexOf('Next')), out.slice(out.lastIndexOf('GET'))];
    assert.match(banner, ANSI);
    assert.match(log, ANSI);
  });

  test('have no colour on a terminal with NO_COLOR=1, nor when piped', async () => {
    for (const o of [{ tty: true, env: { NO_COLOR: '1' } }, { tty: false }]) {
      const out = await serveAndRequest(o);
      assert.match(out, /wxbot serve/);
      assert.doesNotMatch(out, ANSI, JSON.stringify(o));
    }
  });
});
