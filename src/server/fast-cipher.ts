import { createCipheriv, createDecipheriv, randomBytes, type Cipher, type Decipher } from 'node:crypto';
import { decodeAesKey, MessageCipher } from '../protocol/crypto.js';

const BLOCK = 32;

/**
 * True when `s`, which Buffer decoded to `decoded` bytes, is made only of [A-Za-z0-9+/] with up to
 * two `=` at the end: what the protocol layer accepts, and then decodes to the same bytes. Buffer's
 * decoder skips any other character, so a string whose every group of four gave its full three
 * bytes has none of them, apart from base64url's `-` and `_` (read as `+` and `/`) and a misplaced
 * `=`, which are looked for. (Cheaper than encoding the bytes again to compare.)
 */
function plainBase64(s: string, decoded: number): boolean {
  const len = s.length;
  if ((len & 3) !== 0) return false;
  const pad = s.charCodeAt(len - 1) === 61 ? (s.charCodeAt(len - 2) === 61 ? 2 : 1) : 0;
  if (decoded !== (len >>> 2) * 3 - pad) return false;
  const eq = s.indexOf('=');
  return (eq < 0 || eq >= len - pad) && s.indexOf('-') < 0 && s.indexOf('_') < 0;
}

/** Whether `buf` holds `want` at `at` (an AppID's few bytes: a loop costs less than a call into Buffer#compare). */
function sameBytes(buf: Buffer, at: number, want: Buffer): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

/**
 * MessageCipher with the same results and errors, minus a cipher object per message.
 *
 * WeChat's AES-256-CBC always uses IV = key[0..16), so two long-lived CBC contexts serve every
 * message. Each carries the last ciphertext block it saw over to the next call, as if the messages
 * were one stream:
 * - decryption: P[0] = D(C[0]) xor (that block) instead of xor IV, so block 0 is xored with both;
 * - encryption: xoring the first plaintext block with IV xor the last output block makes the next
 *   message start from IV.
 * Every unusual input (bad base64, length, padding, AppID) is handed to the protocol layer's
 * MessageCipher, so rejections carry exactly its errors. Property-tested byte for byte against it.
 */
export class FastCipher extends MessageCipher {
  readonly #iv: Buffer;
  readonly #appIdBytes: Buffer;
  readonly #dcbc: Decipher;
  /** The last ciphertext block #dcbc was given (its chaining state). */
  readonly #dchain: Buffer;
  readonly #cbc: Cipher;
  /** The last ciphertext block #cbc produced (its chaining state). */
  readonly #chain: Buffer;
  /** An AppID that does not survive a UTF-8 round trip is compared as a string by the protocol layer only. */
  readonly #fastAppId: boolean;

  constructor(encodingAESKey: string, appId: string) {
    super(encodingAESKey, appId);
    const key = decodeAesKey(encodingAESKey);
    this.#iv = Buffer.from(key.subarray(0, 16));
    this.#appIdBytes = Buffer.from(appId, 'utf8');
    this.#dcbc = createDecipheriv('aes-256-cbc', key, this.#iv);
    this.#dcbc.setAutoPadding(false);
    this.#dchain = Buffer.from(this.#iv);
    this.#cbc = createCipheriv('aes-256-cbc', key, this.#iv);
    this.#cbc.setAutoPadding(false);
    this.#chain = Buffer.from(this.#iv);
    this.#fastAppId = this.#appIdBytes.toString('utf8') === appId;
  }

  override encrypt(message: string, random: Buffer = randomBytes(16)): string {
    if (random.length !== 16) return super.encrypt(message, random);
    const bodyLen = Buffer.byteLength(message, 'utf8');
    const plain = this.#plain(bodyLen, random);
    plain.write(message, 20, 'utf8');
    return this.#seal(plain);
  }

  override encryptBytes(message: Uint8Array, random: Buffer = randomBytes(16)): string {
    if (random.length !== 16) return super.encryptBytes(message, random);
    const plain = this.#plain(message.length, random);
    plain.set(message, 20);
    return this.#seal(plain);
  }

  // random(16) | length (u32 BE) | message (filled in by the caller at 20) | AppID | PKCS#7 padding to 32 bytes.
  #plain(bodyLen: number, random: Buffer): Buffer {
    const unpadded = 20 + bodyLen + this.#appIdBytes.length;
    const padLen = BLOCK - (unpadded % BLOCK);
    const plain = Buffer.allocUnsafe(unpadded + padLen);
    plain.set(random, 0);
    plain.writeUInt32BE(bodyLen, 16);
    plain.set(this.#appIdBytes, 20 + bodyLen);
    plain.fill(padLen, unpadded);
    return plain;
  }

  #seal(plain: Buffer): string {
    // Restart the chain from the IV: the context will xor block 0 with its last output block.
    const iv = this.#iv;
    const chain = this.#chain;
    for (let i = 0; i < 16; i++) plain[i] = plain[i]! ^ iv[i]! ^ chain[i]!;
    const out = this.#cbc.update(plain);
    // Sixteen bytes in a loop: cheaper than a call into Buffer#copy.
    for (let i = 0, j = out.length - 16; i < 16; i++, j++) chain[i] = out[j]!;
    return out.toString('base64');
  }

  override decrypt(encrypt: string): string {
    const bytes = this.decryptToBytes(encrypt);
    return bytes ? bytes.toString('utf8') : super.decrypt(encrypt);
  }

  /**
   * decrypt() as UTF-8 bytes, with one decryption either way: the fast path's view of the block, or
   * the protocol layer's text (or its error) for anything unusual.
   */
  decryptBytes(encrypt: string): Buffer {
    return this.decryptToBytes(encrypt) ?? Buffer.from(super.decrypt(encrypt), 'utf8');
  }

  /**
   * The message's UTF-8 bytes (a view into the decrypted block), or undefined for anything the
   * protocol layer has to judge: its decrypt() then gives the exact error (or the text).
   */
  decryptToBytes(encrypt: string): Buffer | undefined {
    if (!this.#fastAppId || typeof encrypt !== 'string') return undefined;
    const raw = Buffer.from(encrypt, 'base64');
    const n = raw.length;
    if (n === 0 || n % 16 !== 0 || !plainBase64(encrypt, n)) return undefined;
    // The context chains on from the last block it was given: block 0 came out xored with that
    // block instead of the IV, so it is xored with both; the rest chained right.
    const plain = this.#dcbc.update(raw);
    const iv = this.#iv;
    const chain = this.#dchain;
    for (let i = 0; i < 16; i++) plain[i] = plain[i]! ^ iv[i]! ^ chain[i]!;
    for (let i = 0, j = n - 16; i < 16; i++, j++) chain[i] = raw[j]!;
    // Padding (1..32, all equal), length field and AppID as the protocol layer checks them.
    const pad = plain[n - 1]!;
    if (pad < 1 || pad > BLOCK || pad > n) return undefined;
    for (let i = n - pad; i < n; i++) if (plain[i] !== pad) return undefined;
    const end = n - pad;
    if (end < 20) return undefined;
    const len = plain.readUInt32BE(16);
    if (20 + len > end) return undefined;
    const app = this.#appIdBytes;
    // Not byte-equal: the protocol layer decides (a different AppID, or one that differs only in encoding).
    if (end - 20 - len !== app.length || !sameBytes(plain, 20 + len, app)) return undefined;
    return plain.subarray(20, 20 + len);
  }
}
