import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoError } from './errors.js';

const AES_KEY_RE = /^[A-Za-z0-9]{43}$/;
// WXBizMsgCrypt pads to 32 bytes, not AES's 16 (protocol.md §3.2).
const BLOCK = 32;

/** Decodes and validates an EncodingAESKey into the 32-byte AES key. */
export function decodeAesKey(encodingAESKey: string): Buffer {
  // Node's base64 decoder is lenient, so the alphabet and length are checked first.
  if (typeof encodingAESKey !== 'string' || !AES_KEY_RE.test(encodingAESKey)) {
    throw new CryptoError('IllegalAesKey', 'EncodingAESKey must be exactly 43 characters of [A-Za-z0-9]');
  }
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) {
    throw new CryptoError('IllegalAesKey', 'EncodingAESKey does not decode to 32 bytes');
  }
  return key;
}

/** True when the string is a usable EncodingAESKey. */
export function isValidAesKey(encodingAESKey: string): boolean {
  try {
    decodeAesKey(encodingAESKey);
    return true;
  } catch {
    return false;
  }
}

export function pad32(buf: Buffer): Buffer {
  const pad = BLOCK - (buf.length % BLOCK);
  return Buffer.concat([buf, Buffer.alloc(pad, pad)]);
}

/** Strict PKCS#7 removal: the pad byte must be 1..32 and every pad byte equal. */
export function unpad32(buf: Buffer): Buffer {
  const pad = buf.length > 0 ? buf[buf.length - 1]! : 0;
  if (pad < 1 || pad > BLOCK || pad > buf.length) {
    throw new CryptoError('IllegalBuffer', `invalid padding byte ${pad}`);
  }
  for (let i = buf.length - pad; i < buf.length; i++) {
    if (buf[i] !== pad) throw new CryptoError('IllegalBuffer', 'padding bytes are not all equal');
  }
  return buf.subarray(0, buf.length - pad);
}

export interface Decrypted {
  message: string;
  appId: string;
}

/**
 * One AES key bound to one AppID: the key is decoded once, not per message.
 * Layout (§3.3): random(16) || be32(len) || message || appId, padded to 32 and AES-256-CBC'd with IV = key[0..16).
 */
export class MessageCipher {
  readonly appId: string;
  readonly #key: Buffer;
  readonly #iv: Buffer;

  constructor(encodingAESKey: string, appId: string) {
    this.#key = decodeAesKey(encodingAESKey);
    this.#iv = this.#key.subarray(0, 16);
    this.appId = appId;
  }

  /** Encrypts a message; `random` (16 bytes) is injectable so published ciphertexts can be reproduced. */
  encrypt(message: string, random: Buffer = randomBytes(16)): string {
    return this.encryptBytes(Buffer.from(message, 'utf8'), random);
  }

  /** encrypt() of a message already encoded as UTF-8 (a reply rendered straight to bytes). */
  encryptBytes(message: Uint8Array, random: Buffer = randomBytes(16)): string {
    if (random.length !== 16) throw new CryptoError('EncryptAES_Error', 'random prefix must be 16 bytes');
    const body = Buffer.from(message.buffer, message.byteOffset, message.length);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(body.length, 0);
    const plain = pad32(Buffer.concat([random, len, body, Buffer.from(this.appId, 'utf8')]));
    try {
      const c = createCipheriv('aes-256-cbc', this.#key, this.#iv);
      c.setAutoPadding(false);
      return Buffer.concat([c.update(plain), c.final()]).toString('base64');
    } catch (cause) {
      throw new CryptoError('EncryptAES_Error', 'AES encryption failed', { cause });
    }
  }

  /** Decrypts without judging the trailing AppID (a checker wants to report which one it found). */
  decryptRaw(encrypt: string): Decrypted {
    if (typeof encrypt !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(encrypt)) {
      throw new CryptoError('DecodeBase64_Error', 'Encrypt is not base64');
    }
    const raw = Buffer.from(encrypt, 'base64');
    if (raw.length === 0 || raw.length % 16 !== 0) {
      throw new CryptoError('IllegalBuffer', `ciphertext length ${raw.length} is not a positive multiple of 16`);
    }
    let plain: Buffer;
    try {
      const d = createDecipheriv('aes-256-cbc', this.#key, this.#iv);
      d.setAutoPadding(false);
      plain = Buffer.concat([d.update(raw), d.final()]);
    } catch (cause) {
      throw new CryptoError('DecryptAES_Error', 'AES decryption failed', { cause });
    }
    const body = unpad32(plain);
    if (body.length < 20) throw new CryptoError('IllegalBuffer', 'decrypted payload shorter than 20 bytes');
    const n = body.readUInt32BE(16);
    if (20 + n > body.length) throw new CryptoError('IllegalBuffer', 'message length points past the payload');
    return {
      message: body.subarray(20, 20 + n).toString('utf8'),
      appId: body.subarray(20 + n).toString('utf8'),
    };
  }

  /** Decrypts and rejects a payload whose trailing AppID is not ours (§3.8). */
  decrypt(encrypt: string): string {
    const { message, appId } = this.decryptRaw(encrypt);
    if (appId !== this.appId) {
      throw new CryptoError('ValidateAppid_Error', 'the AppID inside the message does not match the configured AppID');
    }
    return message;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlnum(length: number): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}

/** A fresh EncodingAESKey: 32 random bytes in WeChat's 43-character form. */
export function generateEncodingAESKey(): string {
  // Base64 may contain + and /, which the console rejects; draw again until it has none (~4 tries).
  for (;;) {
    const s = randomBytes(32).toString('base64').slice(0, 43);
    if (AES_KEY_RE.test(s)) return s;
  }
}

/** A fresh Token: letters and digits, 32 characters (the console allows 3–32). */
export function generateToken(length = 32): string {
  return randomAlnum(length);
}
