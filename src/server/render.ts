import { randomInt } from 'node:crypto';
import type { MessageCipher } from '../protocol/crypto.js';
import type { WechatMessage } from '../protocol/messages.js';
import { renderReply, type ReplyBody } from '../protocol/replies.js';
import { cdata } from '../protocol/xml.js';
import { random16 } from './random-pool.js';
import { computeMsgSignature } from '../protocol/signature.js';
import { envelopeDocument, envelopeValueReadsBack } from '../protocol/envelope.js';
import { writeUtf8Native } from '../protocol/utf8.js';
/**
 * The UTF-8 length of text that can go into CDATA as is (characters XML 1.0 allows, surrogates only
 * in pairs, no "]]>"), or -1 when it needs the protocol layer's cdata(), which strips and splits.
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

/**
 * Constant text with holes, filled straight into one Buffer of the exact size: the parts are
 * copied as bytes and the values encoded in place, with no string joined, measured and encoded
 * again on the way out.
 */
class ByteTemplate {
  readonly #parts: Buffer[];
  readonly #fixed: number;

  constructor(...parts: string[]) {
    this.#parts = parts.map((p) => Buffer.from(p, 'latin1'));
    this.#fixed = this.#parts.reduce((n, p) => n + p.length, 0);
  }

  /** `values[i]` goes after part i; `bytes` is the sum of their UTF-8 lengths (well-formed text). */
  fill(values: readonly string[], bytes: number): Buffer {
    const parts = this.#parts;
    const buf = Buffer.allocUnsafe(this.#fixed + bytes);
    buf.set(parts[0]!, 0);
    let at = parts[0]!.length;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      at += writeUtf8Native(buf, v, at);
      buf.set(parts[i + 1]!, at);
      at += parts[i + 1]!.length;
    }
    return buf;
  }
}

const TEXT_REPLY = new ByteTemplate(
  '<xml><ToUserName><![CDATA[',
  ']]></ToUserName><FromUserName><![CDATA[',
  ']]></FromUserName><CreateTime>',
  '</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[',
  ']]></Content></xml>',
);

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
  return TEXT_REPLY.fill([to, from, time, content], nTo + nFrom + time.length + nContent);
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
export function sealReplyFast(
  cipher: MessageCipher,
  token: string,
  xml: string | Buffer,
  timestamp: string,
  nonce: string,
): string {
  if (!envelopeValueReadsBack(nonce)) nonce = String(randomInt(1_000_000_000, 10_000_000_000));
  const encrypt = typeof xml === 'string' ? cipher.encrypt(xml, random16()) : cipher.encryptBytes(xml, random16());
  const sig = computeMsgSignature(token, timestamp, nonce, encrypt);
  const n = cdataBytes(nonce) >= 0 ? `<![CDATA[${nonce}]]>` : cdata(nonce);
  // A string, not bytes: all but the nonce is ASCII (base64, hex, digits), and the response goes out
  // joined to its header in one write; encoding it into a Buffer first would copy 500 bytes twice.
  return envelopeDocument(`<![CDATA[${encrypt}]]>`, `<![CDATA[${sig}]]>`, timestamp, n);
}
