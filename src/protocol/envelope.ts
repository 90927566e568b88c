import type { MessageCipher } from './crypto.js';
import { XmlError } from './errors.js';
import { computeMsgSignature, verifyMsgSignature } from './signature.js';
import { cdata, parseXml, text } from './xml.js';

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
export function sealEnvelope(cipher: MessageCipher, xml: string, o: SealOptions): Envelope {
  const Encrypt = cipher.encrypt(xml, o.random);
  return {
    Encrypt,
    MsgSignature: computeMsgSignature(o.token, o.timestamp, o.nonce, Encrypt),
    TimeStamp: o.timestamp,
    Nonce: o.nonce,
  };
}

/** `TimeStamp` is a bare number, the rest CDATA (§3.6); one element a line, like the official samples. */
export function buildEnvelopeXml(e: Envelope): string {
  const ts = /^\d+$/.test(e.TimeStamp) ? e.TimeStamp : cdata(e.TimeStamp);
  return `<xml>\n<Encrypt>${cdata(e.Encrypt)}</Encrypt>\n<MsgSignature>${cdata(e.MsgSignature)}</MsgSignature>\n` +
    `<TimeStamp>${ts}</TimeStamp>\n<Nonce>${cdata(e.Nonce)}</Nonce>\n</xml>`;
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
  return verifyMsgSignature({ token, timestamp: e.TimeStamp, nonce: e.Nonce, encrypt: e.Encrypt, msgSignature: e.MsgSignature });
}
