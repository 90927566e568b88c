// CLI start-up: wall time of wxbot commands against bare `node -e 0`, paired. Each round runs
// `node -e 0` and then every case once, so a busy moment of the shared machine lands on both sides
// of a ratio; a case's figure is the median over the rounds of (case / node -e 0) of that round.
//   node test/bench/startup.mjs          RUNS [30] rounds
// Targets (issue 19): `wxbot --version` and `wxbot sign` at most 1.6x, `wxbot simulate text hi`
// against a local `wxbot serve` (started once, before the rounds) at most 2.5x. Exit code 1 when
// one is missed. Not a timed test: run it by hand, on a quiet machine if possible.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 30);
const TOKEN = 'startupbenchtoken123';
const cwd = mkdtempSync(join(tmpdir(), 'wxbot-startup-'));
const env = { ...process.env, NO_COLOR: '1', WECHAT_TOKEN: TOKEN };
for (const k of Object.keys(env))
  if (/^(WECHAT_AES|WECHAT_APP|TULING_|OPENAI_|REDIS_URL|WXBOT_)/.test(k)) delete env[k];

function timed(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', cwd, env });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** `wxbot serve` on a free port; resolves with its webhook URL and a stop function. */
function serve() {
  const child = spawn(process.execPath, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--no-history'], {
    cwd,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c) => {
      err += c;
      const url = /URL\s+(http:\/\/\S+)/.exec(err)?.[1];
      if (url) resolve({ url, stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new Error(`wxbot serve exited ${code}: ${err}`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await serve();
const cases = [
  { name: 'wxbot --version', args: [bin, '--version'], target: 1.6 },
  { name: 'wxbot sign', args: [bin, 'sign', '--timestamp', '1714036504', '--nonce', '1514711492'], target: 1.6 },
  { name: 'wxbot simulate text hi', args: [bin, 'simulate', 'text', 'hi', '--url', server.url], target: 2.5 },
];
const bare = [];
const ratios = cases.map(() => []);
const walls = cases.map(() => []);
try {
  timed(['-e', '0']); // the page cache
  for (const c of cases) timed(c.args);
  for (let i = 0; i < runs; i++) {
    const b = timed(['-e', '0']);
    bare.push(b);
    cases.forEach((c, k) => {
      const ms = timed(c.args);
      walls[k].push(ms);
      ratios[k].push(ms / b);
    });
  }
} finally {
  server.stop();
  rmSync(cwd, { recursive: true, force: true });
}

const rows = cases.map((c, k) => ({
  case: c.name,
  ms: +median(walls[k]).toFixed(1),
  ratio: +median(ratios[k]).toFixed(2),
  target: c.target,
  met: median(ratios[k]) <= c.target,
}));
console.log(JSON.stringify({ runs, nodeMs: +median(bare).toFixed(1), cases: rows }, null, 1));
if (rows.some((r) => !r.met)) {
  console.error(
    `missed: ${rows
      .filter((r) => !r.met)
      .map((r) => `${r.case} ${r.ratio} > ${r.target}`)
      .join('; ')}`,
  );
  process.exitCode = 1;
}
