// CPU pinning for the benchmarks: the load generator (this process) on one core, the server under
// test on another, so the two stop taking turns on the same core and the figures measure the
// server. Linux `taskset` (util-linux); elsewhere, or with BENCH_PIN=0, nothing is pinned and the
// run says so. Pinning does not reserve a core: other work on the machine still lands on both.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

const TASKSET = '/usr/bin/taskset';

function tasksetWorks() {
  try {
    execFileSync(TASKSET, ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Decides the pinning for this run. Returns { enabled, serverCpu, loadCpu, notice }:
 * `wrap(argv)` prefixes a child's command line with taskset when pinning is on.
 */
export function planPinning(env = process.env) {
  const cores = availableParallelism();
  const serverCpu = Number(env.BENCH_SERVER_CPU ?? 1);
  const loadCpu = Number(env.BENCH_LOADGEN_CPU ?? 0);
  let notice;
  if (env.BENCH_PIN === '0') notice = 'pinning off (BENCH_PIN=0): server and load generator share every core';
  else if (process.platform !== 'linux' || !tasksetWorks())
    notice = `pinning unavailable (no working ${TASKSET}): server and load generator share every core`;
  else if (cores < 2) notice = 'pinning skipped: only one core';
  else if (serverCpu === loadCpu || serverCpu >= cores || loadCpu >= cores)
    notice = `pinning skipped: BENCH_SERVER_CPU/BENCH_LOADGEN_CPU must be two different cores below ${cores}`;
  const enabled = notice === undefined;
  return {
    enabled,
    serverCpu,
    loadCpu,
    /** The cores the server and the load generator run on (undefined when not pinned). */
    cores: enabled ? { server: serverCpu, loadgen: loadCpu } : {},
    notice: enabled
      ? `pinned: server on cpu ${serverCpu}, load generator on cpu ${loadCpu} (taskset; other processes on the machine are not kept off either core)`
      : notice,
    /** [command, args] for a server child (all its threads) under taskset when pinning is on. */
    wrap(command, args) {
      return enabled ? [TASKSET, ['-c', String(serverCpu), command, ...args]] : [command, args];
    },
    /** Pins this process (all its threads) to the load generator's core. */
    pinSelf() {
      if (enabled) execFileSync(TASKSET, ['-a', '-p', '-c', String(loadCpu), String(process.pid)], { stdio: 'ignore' });
    },
  };
}
