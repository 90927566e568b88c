import type { MessageCipher } from '../protocol/crypto.js';
import { CryptoError, XmlError } from '../protocol/errors.js';
import type { WechatMessage } from '../protocol/messages.js';
import { messageFromNode, parseEncryptedBody, parseMessage, type EncryptedBody } from '../protocol/parse.js';
import type { PushQuery } from './query.js';
import { HttpRejection } from './rejection.js';
import { FastCipher } from './fast-cipher.js';
import { scanFlatMessage, scanFlatMessageBytes, scanFlatXml } from './scan-xml.js';
import { msgSignatureMatches, signatureMatches } from '../protocol/signature.js';

/** parseMessage, through the flat-XML fast path when the document allows it. */
export function parseMessageFast(xml: string): WechatMessage {
  return (scanFlatMessage(xml) as unknown as WechatMessage | undefined) ?? parseMessage(xml);
}

/** parseMessageFast of the UTF-8 text in `bytes`, read from the bytes when the document allows it. */
export function parseMessageBytes(bytes: Buffer): WechatMessage {
  return (
    (scanFlatMessageBytes(bytes) as unknown as WechatMessage | undefined) ?? parseMessageFast(bytes.toString('utf8'))
  );
}

/** parseEncryptedBody, through the flat-XML fast path when the document allows it. */
export function parseEncryptedBodyFast(xml: string): EncryptedBody {
  const node = scanFlatXml(xml);
  if (!node) return parseEncryptedBody(xml);
  const encrypt = node.Encrypt?.trim();
  if (!encrypt) throw new XmlError('XML_NOT_MESSAGE', 'missing Encrypt');
  const out: EncryptedBody = { Encrypt: encrypt };
  if (node.ToUserName !== undefined) out.ToUserName = node.ToUserName;
  if (node.MsgType !== undefined) {
    const { Encrypt: _drop, ...rest } = node;
    out.plain = messageFromNode(rest);
  }
  return out;
}

export type Mode = 'plain' | 'compat' | 'safe';

/** The account settings a request is checked against; the cipher is built once per configuration. */
export interface VerifyConfig {
  token: string;
  cipher?: MessageCipher;
  /** Seconds of tolerated clock difference for `timestamp`; 0 disables the check. */
  maxSkew: number;
  allowPlaintext: boolean;
}

const DIGITS = /^\d{1,13}$/;

// timestamp/nonce are in every signed request; a stale timestamp is a replay (Stripe/Slack-style tolerance).
function checkStamp(q: PushQuery, maxSkew: number, nowMs: number): void {
  if (q.timestamp === undefined || q.nonce === undefined) throw new HttpRejection(400, 'missing timestamp or nonce');
  if (!DIGITS.test(q.timestamp)) throw new HttpRejection(400, 'timestamp is not a number of seconds');
  if (maxSkew > 0 && Math.abs(nowMs / 1000 - Number(q.timestamp)) > maxSkew) {
    throw new HttpRejection(401, `timestamp is more than ${maxSkew} s away from the server clock`);
  }
}

function cryptoRejection(err: unknown): HttpRejection {
  if (err instanceof CryptoError && err.code === 'ValidateAppid_Error')
    return new HttpRejection(401, 'AppID inside the message does not match', { cause: err });
  if (err instanceof CryptoError) return new HttpRejection(400, `cannot decrypt: ${err.code}`, { cause: err });
  if (err instanceof XmlError) return new HttpRejection(400, `malformed XML: ${err.code}`, { cause: err });
  return new HttpRejection(400, 'malformed request', { cause: err });
}

function needCipher(c: VerifyConfig): MessageCipher {
  if (!c.cipher)
    throw new HttpRejection(400, 'encrypted request but no EncodingAESKey/AppID configured on this server');
  return c.cipher;
}

/** GET URL verification (§1): the echo to send back. WeCom-style encrypted echostr is decrypted (§1 notes). */
export function verifyGet(c: VerifyConfig, q: PushQuery, nowMs: number): string {
  if (q.signature === undefined && q.msg_signature === undefined) {
    throw new HttpRejection(400, 'missing signature: this URL is a WeChat webhook');
  }
  checkStamp(q, c.maxSkew, nowMs);
  if (q.echostr === undefined) throw new HttpRejection(400, 'missing echostr');
  if (q.msg_signature !== undefined) {
    const cipher = needCipher(c);
    if (!msgSignatureMatches(c.token, q.timestamp!, q.nonce!, q.echostr, q.msg_signature)) {
      throw new HttpRejection(401, 'invalid msg_signature');
    }
    try {
      return cipher.decrypt(q.echostr);
    } catch (err) {
      throw cryptoRejection(err);
    }
  }
  if (!signatureMatches(c.token, q.timestamp!, q.nonce!, q.signature!)) {
    throw new HttpRejection(401, 'invalid signature');
  }
  return q.echostr;
}

export interface OpenedPush {
  mode: Mode;
  message: WechatMessage;
}

/**
 * A POST push (§2.3): mode told apart per request, signature checked, decrypted, parsed. `body` is
 * the raw body, as bytes (UTF-8) or as text.
 */
export function openPush(c: VerifyConfig, q: PushQuery, body: string | Buffer, nowMs: number): OpenedPush {
  const encrypted = q.encrypt_type === 'aes' || q.msg_signature !== undefined;
  if (!encrypted) {
    if (!c.allowPlaintext) throw new HttpRejection(401, 'plaintext push refused: this server requires encryption');
    if (q.signature === undefined) throw new HttpRejection(400, 'missing signature');
    checkStamp(q, c.maxSkew, nowMs);
    // Forgeries are refused before the body is parsed.
    if (!signatureMatches(c.token, q.timestamp!, q.nonce!, q.signature)) {
      throw new HttpRejection(401, 'invalid signature');
    }
    try {
      return { mode: 'plain', message: typeof body === 'string' ? parseMessageFast(body) : parseMessageBytes(body) };
    } catch (err) {
      throw cryptoRejection(err);
    }
  }
  const cipher = needCipher(c);
  if (q.msg_signature === undefined) throw new HttpRejection(400, 'missing msg_signature');
  checkStamp(q, c.maxSkew, nowMs);
  let outer;
  try {
    outer = parseEncryptedBodyFast(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw cryptoRejection(err);
  }
  if (!msgSignatureMatches(c.token, q.timestamp!, q.nonce!, outer.Encrypt, q.msg_signature)) {
    throw new HttpRejection(401, 'invalid msg_signature');
  }
  try {
    // The decrypted message is authoritative; compatible mode's plaintext copy is not trusted.
    const message =
      cipher instanceof FastCipher
        ? parseMessageBytes(cipher.decryptBytes(outer.Encrypt))
        : parseMessageFast(cipher.decrypt(outer.Encrypt));
    return { mode: outer.plain ? 'compat' : 'safe', message };
  } catch (err) {
    throw cryptoRejection(err);
  }
}
