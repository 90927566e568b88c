import * as crypto from 'node:crypto';

/**
 * The signature checks of protocol/signature.ts, specialised for the request hot path: the 3 or 4
 * parts are ordered with compares instead of Array#sort, hashed with the one-shot crypto.hash when
 * Node has it, and compared in constant time without allocating Buffers. Tests hold them equal to
 * the protocol layer's functions.
 */
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
const sha1hex = oneShot
  ? (s: string) => oneShot('sha1', s, 'hex')
  : (s: string) => crypto.createHash('sha1').update(s, 'utf8').digest('hex');

// Code-unit order, as Array#sort() without a comparator (protocol.md §0).
function join3(a: string, b: string, c: string): string {
  if (a > b) [a, b] = [b, a];
  if (b > c) [b, c] = [c, b];
  if (a > b) [a, b] = [b, a];
  return a + b + c;
}

// A sorting network: five compare-and-swaps order any four values.
function join4(a: string, b: string, c: string, d: string): string {
  if (a > b) [a, b] = [b, a];
  if (c > d) [c, d] = [d, c];
  if (a > c) [a, c] = [c, a];
  if (b > d) [b, d] = [d, b];
  if (b > c) [b, c] = [c, b];
  return a + b + c + d;
}

// Constant time for equal lengths: no early exit, so timing says nothing about where they differ.
// `expected` is lowercase hex; the candidate may arrive uppercase.
function sameHex(expected: string, candidate: string): boolean {
  if (expected.length !== candidate.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) {
    let c = candidate.charCodeAt(i);
    if (c >= 65 && c <= 70) c += 32; // A-F → a-f
    diff |= expected.charCodeAt(i) ^ c;
  }
  return diff === 0;
}

export function checkSignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return sameHex(sha1hex(join3(token, timestamp, nonce)), signature);
}

export function checkMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, msgSignature: string): boolean {
  return sameHex(sha1hex(join4(token, timestamp, nonce, encrypt)), msgSignature);
}

/** msg_signature of an outgoing envelope (protocol.md §3.6). */
export function msgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1hex(join4(token, timestamp, nonce, encrypt));
}
