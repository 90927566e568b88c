import { randomFillSync } from 'node:crypto';

// One getrandom call per 256 replies instead of one per reply; each 16-byte slice is used once
// (MessageCipher copies it before the pool is refilled).
const POOL = Buffer.allocUnsafe(16 * 256);
let offset = POOL.length;

/** 16 fresh random bytes for the AES reply prefix (protocol.md §3.3). */
export function random16(): Buffer {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const out = POOL.subarray(offset, offset + 16);
  offset += 16;
  return out;
}
