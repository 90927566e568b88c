import { randomBytes, randomInt } from 'node:crypto';

/** A fixed fake OpenID (28 characters, like a real one) so a server's per-user state stays put between runs. */
export const DEFAULT_OPENID = 'oUserOpenId00000000000000001';
/** A fake 原始ID: `gh_` and 12 hex characters, like a real account. */
export const DEFAULT_ACCOUNT_ID = 'gh_123456789abc';
/** The MenuIds a simulated menu tap carries unless told otherwise (a link button, a mini-program button). */
export const DEFAULT_VIEW_MENU_ID = '208396938';
export const DEFAULT_MINIPROGRAM_MENU_ID = '208396939';
/** WeChat gives up on a push after 5 seconds (protocol.md §5.3). */
export const WECHAT_TIMEOUT_MS = 5000;

/** A MsgId as WeChat sends it: a 64-bit integer written in decimal, kept as a string (it exceeds 2^53). */
export function newMsgId(): string {
  // Top bit clear, next bit set: always 19 digits, like the ids in the official samples.
  return (BigInt.asUintN(62, randomBytes(8).readBigUInt64BE(0)) | (1n << 62n)).toString();
}

/** Unix seconds: CreateTime and the `timestamp` parameter are never milliseconds. */
export function unixSeconds(now: number = Date.now()): number {
  return Math.floor(now / 1000);
}

/** WeChat's nonces are 9–10 random digits. */
export function newNonce(): string {
  return String(randomInt(100_000_000, 2_147_483_647));
}

/** The GET echostr WeChat sends to an Official Account: a long random number. */
export function newEchostr(): string {
  return (BigInt.asUintN(62, randomBytes(8).readBigUInt64BE(0)) | (1n << 61n)).toString();
}
