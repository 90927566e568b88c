// Runs test/run.mjs (same arguments) as on a machine with Node alone: PATH is a directory of links to
// every program on the real PATH except the system programs the suites need (redis-server, nginx,
// zsh, fish, chromium by default; WXBOT_HIDE=a,b,c to choose). Without CI the run must pass with
// those suites skipped and named in the summary; with CI=true it must fail naming them.
//   npm run test:node-only            # the whole suite
//   node test/run-without.mjs test/store/redis
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const hidden = new Set(
  (process.env.WXBOT_HIDE ?? 'redis-server,nginx,zsh,fish,chromium,chromium-browser').split(',').filter(Boolean),
);
const bin = mkdtempSync(join(tmpdir(), 'wxbot-path-'));
const linked = new Set();
for (const dir of [join(process.execPath, '..'), ...(process.env.PATH ?? '').split(delimiter)]) {
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    continue;
  }
  for (const name of names) {
    if (hidden.has(name) || linked.has(name)) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (!statSync(file).isFile()) continue;
      symlinkSync(file, join(bin, name));
      linked.add(name);
    } catch {
      // not a program
    }
  }
}

const env = { ...process.env, PATH: bin };
// A shared Redis would stand in for the hidden redis-server.
delete env.WXBOT_TEST_REDIS_URL;
const run = fileURLToPath(new URL('run.mjs', import.meta.url));
const r = spawnSync(process.execPath, [run, ...process.argv.slice(2)], { stdio: 'inherit', env });
rmSync(bin, { recursive: true, force: true });
process.exit(r.status ?? 1);
