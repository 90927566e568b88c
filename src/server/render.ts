import { randomInt } from 'node:crypto';
import type { MessageCipher } from '../protocol/crypto.js';
import type { WechatMessage } from '../protocol/messages.js';
import { renderReply, type ReplyBody } from '../protocol/replies.js';
import { cdata } from '../protocol/xml.js';
import { random16 } from './random-pool.js';
import { computeMsgSignature } from '../protocol/signature.js';
import { envelopeValueReadsBack } from '../protocol/envelope.js';

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
 * renderReply with a fast path for text replies (the common case), producing the same bytes;
 * every other reply type, and any text needing cleaning, goes through renderReply.
 */
export function renderReplyFast(incoming: WechatMessage, body: ReplyBody, now: number): string {
  if (body.MsgType === 'text' && typeof body.Content === 'string') {
    const to = incoming.FromUserName;
    const from = incoming.ToUserName;
    if (plainCdataSafe(body.Content) && plainCdataSafe(to) && plainCdataSafe(from)) {
      return `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName>` +
        `<CreateTime>${Math.floor(now / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${body.Content}]]></Content></xml>`;
    }
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
export function sealReplyFast(cipher: MessageCipher, token: string, xml: string, timestamp: string, nonce: string): string {
  if (!envelopeValueReadsBack(nonce)) nonce = String(randomInt(1_000_000_000, 10_000_000_000));
  const encrypt = cipher.encrypt(xml, random16());
  const sig = computeMsgSignature(token, timestamp, nonce, encrypt);
  const n = plainCdataSafe(nonce) ? `<![CDATA[${nonce}]]>` : cdata(nonce);
  return `<xml>\n<Encrypt><![CDATA[${encrypt}]]></Encrypt>\n<MsgSignature><![CDATA[${sig}]]></MsgSignature>\n` +
    `<TimeStamp>${timestamp}</TimeStamp>\n<Nonce>${n}</Nonce>\n</xml>`;
}
