// Preloaded into the soak's `wxbot serve` (node --expose-gc --require gc-probe.cjs bin/wxbot.js serve):
// on SIGUSR2 a full garbage collection, then the process's memory figures written to $SOAK_GC_FILE.
// Without a collection, VmRSS mostly shows how far V8 lets its heap grow before collecting (a
// multiple of what is live), not what the server keeps; the soak compares memory after collections.
// Nothing else of the server changes.
'use strict';
const { renameSync, writeFileSync } = require('node:fs');

const out = process.env.SOAK_GC_FILE;
if (out && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    // Twice: the first collection can leave objects that only weak references or finalizers freed.
    globalThis.gc();
    globalThis.gc();
    writeFileSync(`${out}.tmp`, JSON.stringify({ at: Date.now(), ...process.memoryUsage() }));
    renameSync(`${out}.tmp`, out);
  });
}
