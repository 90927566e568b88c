import { randomInt } from 'node:crypto';
import type { MessageCipher } from '../protocol/crypto.js';
import type { WechatMessage } from '../protocol/messages.js';
import { renderReply, type ReplyBody } from '../protocol/replies.js';
import { cdata } from '../protocol/xml.js';
import { random16 } from './random-pool.js';
import { computeMsgSignature } from '../protocol/signature.js';
import { envelopeValueReadsBack } from '../protocol/envelope.js';
import { utf8Length, writeUtf8, writeUtf8Native } from '../protocol/utf8.js';
import type { FastCipher } from './fast-cipher.js';

// True when the text can go into CDATA as is: no control characters, no surrogates, no "]]>".
// Anything else takes the protocol layer's full path (which strips and splits).
function plainCdataSafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) return false;
  }
  return !s.includes(']]>');
}

/**
 * The UTF-8 length of text that can go into CDATA as is (see plainCdataSafe; a surrogate pair is
 * fine here), or -1 when it needs the protocol layer's cleaning.
 */
function cdataBytes(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c < 32 && c !== 9 && c !== 10 && c !== 13) return -1;
      if (c === 62 /* > */ && i >= 2 && s.charCodeAt(i - 1) === 93 && s.charCodeAt(i - 2) === 93) return -1; // ]]>
    } else if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 2;
      i++;
    } else if (c >= 0xfffe) return -1;
    else n += 2;
  }
  return n;
}

const ascii = (s: string) => Buffer.from(s, 'latin1');

/** Copies constant bytes in at `at`; returns where they end. */
function put(buf: Buffer, at: number, bytes: Uint8Array): number {
  buf.set(bytes, at);
  return at + bytes.length;
}
const T1 = ascii('<xml><ToUserName><![CDATA[');
const T2 = ascii(']]></ToUserName><FromUserName><![CDATA[');
const T3 = ascii(']]></FromUserName><CreateTime>');
const T4 = ascii('</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[');
const T5 = ascii(']]></Content></xml>');
const FIXED = T1.length + T2.length + T3.length + T4.length + T5.length;

/**
 * A text reply as the UTF-8 bytes of renderReply's string, written straight into one Buffer: no
 * string to join, measure and encode again on the way out. Undefined when the text needs the
 * protocol layer (characters to strip, a `]]>` to split).
 */
export function textReplyBytes(incoming: WechatMessage, content: string, now: number): Buffer | undefined {
  const to = incoming.FromUserName;
  const from = incoming.ToUserName;
  const nTo = cdataBytes(to);
  const nFrom = cdataBytes(from);
  const nContent = cdataBytes(content);
  if (nTo < 0 || nFrom < 0 || nContent < 0) return undefined;
  const time = String(Math.floor(now / 1000));
  const buf = Buffer.allocUnsafe(FIXED + nTo + nFrom + time.length + nContent);
  let at = put(buf, 0, T1);
  at = put(buf, at + writeUtf8(buf, to, at), T2);
  at = put(buf, at + writeUtf8(buf, from, at), T3);
  at = put(buf, at + writeUtf8(buf, time, at), T4);
  put(buf, at + writeUtf8(buf, content, at), T5);
  return buf;
}

/** renderReply, as bytes for a text reply that can take the fast path, else as the protocol layer's string. */
export function renderReplyOut(incoming: WechatMessage, body: ReplyBody, now: number): Buffer | string {
  if (body.MsgType === 'text' && typeof body.Content === 'string') {
    const bytes = textReplyBytes(incoming, body.Content, now);
    if (bytes) return bytes;
  }
  return renderReply(incoming, body, now);
}

/**
 * The encrypted reply envelope of §3.6, byte for byte what buildEnvelopeXml(sealEnvelope(...)) writes:
 * Encrypt (base64), MsgSignature (hex) and TimeStamp (digits) never need escaping, so only the
 * nonce, which comes from the request, goes through cdata().
 * MsgSignature covers the Nonce as written, and readers trim it: a request nonce that would not read
 * back the same (empty, surrounding whitespace, characters XML cannot carry; WeChat sends digits) is
 * replaced by a fresh one, which §3.6 allows, so the envelope always verifies.
 */
export function sealReplyFast(cipher: MessageCipher, token: string, xml: string | Buffer, timestamp: string, nonce: string): Buffer {
  if (!envelopeValueReadsBack(nonce)) nonce = String(randomInt(1_000_000_000, 10_000_000_000));
  const encrypt = typeof xml === 'string'
    ? cipher.encrypt(xml, random16())
    : 'encryptBytes' in cipher ? (cipher as FastCipher).encryptBytes(xml, random16()) : cipher.encrypt(xml.toString('utf8'), random16());
  const sig = computeMsgSignature(token, timestamp, nonce, encrypt);
  const n = plainCdataSafe(nonce) ? `<![CDATA[${nonce}]]>` : cdata(nonce);
  // Written into one Buffer: everything but the nonce is ASCII (base64, hex, digits).
  const buf = Buffer.allocUnsafe(E_FIXED + encrypt.length + sig.length + timestamp.length + utf8Length(n));
  let at = put(buf, 0, E1);
  at = put(buf, at + writeUtf8Native(buf, encrypt, at), E2);
  at = put(buf, at + writeUtf8(buf, sig, at), E3);
  at = put(buf, at + writeUtf8(buf, timestamp, at), E4);
  put(buf, at + writeUtf8(buf, n, at), E5);
  return buf;
}

const E1 = ascii('<xml>\n<Encrypt><![CDATA[');
const E2 = ascii(']]></Encrypt>\n<MsgSignature><![CDATA[');
const E3 = ascii(']]></MsgSignature>\n<TimeStamp>');
const E4 = ascii('</TimeStamp>\n<Nonce>');
const E5 = ascii('</Nonce>\n</xml>');
const E_FIXED = E1.length + E2.length + E3.length + E4.length + E5.length;
