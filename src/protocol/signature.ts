import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * sha1 of the parts sorted by UTF-16 code unit and joined with no separator (protocol.md §1, §3.5).
 * Plain `sort()` is the spec: `localeCompare` would order digits and case differently.
 */
export function sha1Sorted(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join(''), 'utf8').digest('hex');
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

export interface SignatureParams {
  token: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export function verifySignature(p: SignatureParams): boolean {
  return safeEqual(computeSignature(p.token, p.timestamp, p.nonce), p.signature.toLowerCase());
}

export interface MsgSignatureParams {
  token: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
  msgSignature: string;
}

export function verifyMsgSignature(p: MsgSignatureParams): boolean {
  return safeEqual(computeMsgSignature(p.token, p.timestamp, p.nonce, p.encrypt), p.msgSignature.toLowerCase());
}
