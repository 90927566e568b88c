import { randomBytes } from 'node:crypto';

const ID_PREFIX = randomBytes(3).toString('hex');
let idSeq = 0;
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Request ids (log lines, exchanges, 404s): a random per-process prefix and a counter; unique enough for a local history. */
export const nextRequestId = () => {
  const n = idSeq++ & 0xffff;
  return ID_PREFIX + HEX2[n >> 8]! + HEX2[n & 0xff]!;
};
