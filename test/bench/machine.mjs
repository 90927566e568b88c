// What the machine did during a measurement (Linux /proc; undefined elsewhere): CPU time and page
// faults of one process, and how busy each core was. Together they tell how much of a core OTHER
// work took while a target was measured — the noise a shared machine adds to a latency figure.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// The fields of /proc/<pid>/stat after the command name (the 3rd field on is index 0), or undefined.
function statFields(pid) {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) a process has used, in ms. */
export function cpuMs(pid) {
  const f = statFields(pid);
  return f && ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** Minor page faults of a process so far (first writes to fresh memory; each traps into the kernel). */
export function minorFaults(pid) {
  const f = statFields(pid);
  return f && Number(f[7]);
}

/** Busy time per core in ms (everything but idle and iowait), by core number. */
export function coreBusyMs() {
  try {
    const out = {};
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^cpu(\d+) (.*)$/.exec(line);
      if (!m) continue;
      const v = m[2].trim().split(/\s+/).map(Number);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      out[m[1]] = ((total - v[3] - v[4]) * 1000) / CLK_TCK;
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Starts watching processes pinned to cores: `pinned` is [[pid, core], ...] (core undefined when not
 * pinned). `stop()` returns { ms, cpu: ms of CPU each pid used, others: share of each pinned pid's
 * core (0..1) that processes other than it used meanwhile — noise from the rest of the machine }.
 */
export function watch(pinned) {
  const t0 = performance.now();
  const busy0 = coreBusyMs();
  const cpu0 = pinned.map(([pid]) => cpuMs(pid));
  return {
    stop() {
      const ms = performance.now() - t0;
      const busy1 = coreBusyMs();
      const cpu = pinned.map(([pid], i) => (cpu0[i] === undefined ? undefined : cpuMs(pid) - cpu0[i]));
      const others = pinned.map(([, core], i) => {
        if (core === undefined || busy0?.[core] === undefined || busy1?.[core] === undefined || cpu[i] === undefined)
          return undefined;
        // Tick-granular counters: clamp what rounding can push below 0 or above 1.
        return Math.min(1, Math.max(0, (busy1[core] - busy0[core] - cpu[i]) / ms));
      });
      return { ms, cpu, others };
    },
  };
}

/** The 1/5/15-minute load averages, as `uptime` prints them. */
export function loadAverages() {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
}
