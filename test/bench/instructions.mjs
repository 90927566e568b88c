// Instructions per request, counted by valgrind's callgrind: stable on a shared machine where timings are not.
//   node test/bench/instructions.mjs <handler|serve> <plain|safe>
// The target runs under callgrind; after INSTR_WARMUP requests (JIT tiers settle) the counters are
// zeroed, INSTR_REQUESTS more are sent over INSTR_CONNS keep-alive connections, and the total
// (every thread: JIT compilers and GC included) is divided by their number.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendAll } from './http-conn.mjs';
import { ENV, requestPool } from './requests.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const [target = 'handler', mode = 'plain'] = process.argv.slice(2);
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const warmup = num('INSTR_WARMUP', 20000);
const requests = num('INSTR_REQUESTS', 2000);
const conns = num('INSTR_CONNS', 4);

// V8's helper threads (concurrent GC, compilers) off: the same work on the main thread, counted in a
// repeatable order.
const flags = (process.env.INSTR_NODE_FLAGS ?? '--single-threaded').split(' ').filter(Boolean);
// WXBOT_BENCH_REFERENCE=<path,...>: those fast paths turned off (reference-paths.mjs).
const reference = process.env.WXBOT_BENCH_REFERENCE ?? '';
if (reference) flags.push('--import', join(ROOT, 'test/bench/reference-paths.mjs'));
const dir = mkdtempSync(join(tmpdir(), 'wxbot-instr-'));
const args =
  target === 'serve'
    ? [join(ROOT, 'bin/wxbot.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--no-history']
    : [join(ROOT, 'test/bench/servers.mjs'), target];
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    // Nothing counted until the warm-up is over (and uncounted code runs several times faster).
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
    process.execPath,
    ...flags,
    ...args,
  ],
  { cwd: dir, env: { ...ENV, WXBOT_BENCH_REFERENCE: reference }, stdio: ['ignore', 'pipe', 'pipe'] },
);
let out = '';
const port = await new Promise((resolve, reject) => {
  const onData = (c) => {
    out += c;
    const m = /(?:^|\n)(\d+)\n/.exec(out) ?? /URL\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
    if (m) resolve(Number(m[1]));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.once('exit', (code) => reject(new Error(`target exited ${code}: ${out}`)));
});
child.stdout.resume();
child.stderr.resume();

const path = target === 'serve' ? '/wechat' : '/';
// Pools of at most 500, built just before they are sent: under valgrind a request takes milliseconds,
// and a pool's timestamp must stay within the handler's 300 s of clock skew.
async function send(count) {
  for (let left = count; left > 0; left -= 500)
    await sendAll(port, requestPool(path, mode, Math.min(500, left)), conns);
}

const control = (...flags) => {
  const r = spawnSync('callgrind_control', [...flags, String(child.pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`callgrind_control ${flag}: ${r.stderr}`);
};

await send(warmup);
control('-i', 'on');
control('-z');
await send(requests);
control('-d');
const dump = join(
  dir,
  readdirSync(dir)
    .filter((f) => f.startsWith('cg.out'))
    .sort()
    .at(-1),
);
const totals = Number(/^(?:summary|totals):\s*(\d+)/m.exec(readFileSync(dump, 'utf8'))?.[1]);
// The optimizing compiler's own share of the window: near 0 once the warm-up was long enough.
const annotated = spawnSync('callgrind_annotate', ['--threshold=100', dump], { encoding: 'utf8', maxBuffer: 1 << 28 });
let compiling = 0;
for (const m of annotated.stdout.matchAll(/^\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*v8::internal::compiler::/gm)) {
  compiling += Number(m[1].replaceAll(',', ''));
}
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
if (process.env.INSTR_KEEP) console.error(`callgrind dump kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    target,
    mode,
    requests,
    instructionsPerRequest: Math.round(totals / requests),
    compilerShare: +(compiling / totals).toFixed(3),
    // The figure docs/internals/performance.md compares: what the optimizing compiler did in the
    // window is tiering still going on, not the request's steady cost.
    withoutCompiler: Math.round((totals - compiling) / requests),
    reference: process.env.WXBOT_BENCH_REFERENCE || undefined,
  }),
);
