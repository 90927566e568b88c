// Wall time of `wxbot --version` against bare `node -e 0`, median of N runs each (target <= 1.6x).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/wxbot.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 30);

function median(args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

median(['-e', '0']); // warm the page cache
const bare = median(['-e', '0']);
const version = median([bin, '--version']);
const help = median([bin, '--help']);
console.log(
  JSON.stringify({
    runs,
    nodeMs: +bare.toFixed(1),
    versionMs: +version.toFixed(1),
    helpMs: +help.toFixed(1),
    ratio: +(version / bare).toFixed(2),
  }),
);
