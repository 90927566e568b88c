import { hash, timingSafeEqual } from 'node:crypto';
/**
 * sha1 of the parts sorted by UTF-16 code unit and joined with no separator (protocol.md §1, §3.5).
 * Plain `sort()` is the spec: `localeCompare` would order digits and case differently.
 */
export function sha1Sorted(...parts: string[]): string {
  // One-shot hash (Node 20.12+): no Hash object per request.
  return hash('sha1', parts.sort().join(''), 'hex');
}

/** `signature` as WeChat computes it for GET verification and every POST. */
export function computeSignature(token: string, timestamp: string, nonce: string): string {
  return sha1Sorted(token, timestamp, nonce);
}

/** `msg_signature` for compatible/safe mode: the Encrypt value joins the sort. */
export function computeMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1Sorted(token, timestamp, nonce, encrypt);
}

/** Constant-time string comparison; unequal lengths are rejected before comparing. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

// Constant time for equal lengths (no early exit, no Buffers): timing says nothing about where
// they differ. `expected` is lowercase hex; the candidate may arrive uppercase.
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

export interface SignatureParams {
  token: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export function verifySignature(p: SignatureParams): boolean {
  return signatureMatches(p.token, p.timestamp, p.nonce, p.signature);
}

/** verifySignature with positional arguments (the request path builds no object for it). */
export function signatureMatches(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return sameHex(computeSignature(token, timestamp, nonce), signature);
}

export interface MsgSignatureParams {
  token: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
  msgSignature: string;
}

export function verifyMsgSignature(p: MsgSignatureParams): boolean {
  return msgSignatureMatches(p.token, p.timestamp, p.nonce, p.encrypt, p.msgSignature);
}

/** verifyMsgSignature with positional arguments. */
export function msgSignatureMatches(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
  msgSignature: string,
): boolean {
  return sameHex(computeMsgSignature(token, timestamp, nonce, encrypt), msgSignature);
}
