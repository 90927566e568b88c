import type { MessageCipher } from './crypto.js';
import { WxbotError, XmlError } from './errors.js';
import { computeMsgSignature, verifyMsgSignature } from './signature.js';
import { cdata, parseXml, stripIllegalXmlChars, text } from './xml.js';

/** The encrypted reply envelope of §3.6, with WeChat's field names. */
export interface Envelope {
  Encrypt: string;
  MsgSignature: string;
  TimeStamp: string;
  Nonce: string;
}

export interface SealOptions {
  token: string;
  timestamp: string;
  nonce: string;
  /** 16-byte random prefix; injectable for byte-exact tests. */
  random?: Buffer;
}

/** Encrypts a reply and signs it: the whole HTTP body WeChat expects in safe mode. */
/**
 * True when a Nonce or TimeStamp written into an envelope reads back unchanged: readers trim values,
 * XML turns \r into \n, and characters XML cannot carry are dropped. MsgSignature covers the value as
 * written, so one that changes on the way never verifies.
 */
export function envelopeValueReadsBack(v: string): boolean {
  // Digits (what WeChat sends) read back as they are; anything else is checked in full.
  if (v.length > 0 && v.length <= 32) {
    let digits = true;
    for (let i = 0; i < v.length && digits; i++) digits = v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57;
    if (digits) return true;
  }
  return v !== '' && v.trim() === v && !v.includes('\r') && stripIllegalXmlChars(v) === v;
}

export function sealEnvelope(cipher: MessageCipher, xml: string, o: SealOptions): Envelope {
  for (const [name, v] of [
    ['nonce', o.nonce],
    ['timestamp', o.timestamp],
  ] as const) {
    if (!envelopeValueReadsBack(v))
      throw new WxbotError(
        'BAD_ENVELOPE_VALUE',
        `the ${name} would not read back unchanged from the envelope, so its MsgSignature could never verify: use digits, as WeChat does`,
      );
  }
  const Encrypt = cipher.encrypt(xml, o.random);
  return {
    Encrypt,
    MsgSignature: computeMsgSignature(o.token, o.timestamp, o.nonce, Encrypt),
    TimeStamp: o.timestamp,
    Nonce: o.nonce,
  };
}

/**
 * The envelope document from its four values already written as XML content (CDATA sections, or
 * the bare digits of TimeStamp): one element a line, like the official samples.
 */
export function envelopeDocument(encrypt: string, msgSignature: string, timeStamp: string, nonce: string): string {
  return (
    `<xml>\n<Encrypt>${encrypt}</Encrypt>\n<MsgSignature>${msgSignature}</MsgSignature>\n` +
    `<TimeStamp>${timeStamp}</TimeStamp>\n<Nonce>${nonce}</Nonce>\n</xml>`
  );
}

/** `TimeStamp` is a bare number, the rest CDATA (§3.6). */
export function buildEnvelopeXml(e: Envelope): string {
  const ts = /^\d+$/.test(e.TimeStamp) ? e.TimeStamp : cdata(e.TimeStamp);
  return envelopeDocument(cdata(e.Encrypt), cdata(e.MsgSignature), ts, cdata(e.Nonce));
}

export function parseEnvelope(xml: string): Envelope {
  const n = parseXml(xml);
  const e = {
    Encrypt: text(n, 'Encrypt')?.trim(),
    MsgSignature: text(n, 'MsgSignature')?.trim(),
    TimeStamp: text(n, 'TimeStamp')?.trim(),
    Nonce: text(n, 'Nonce')?.trim(),
  };
  for (const [k, v] of Object.entries(e)) {
    if (!v) throw new XmlError('XML_NOT_MESSAGE', `envelope is missing ${k}`);
  }
  return e as Envelope;
}

/** Checks an envelope's MsgSignature against the token. */
export function verifyEnvelope(e: Envelope, token: string): boolean {
  return verifyMsgSignature({
    token,
    timestamp: e.TimeStamp,
    nonce: e.Nonce,
    encrypt: e.Encrypt,
    msgSignature: e.MsgSignature,
  });
}
