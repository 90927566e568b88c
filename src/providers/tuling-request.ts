/** Tuling v2 request building and the optional "secret" encryption (protocol.md §7.2, §7.5). Pure. */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { truncateChars } from './text.js';

/** §7.2: `perception.inputText.text` is 1–128 characters. */
export const TULING_TEXT_LIMIT = 128;

export interface TulingLocation {
  city: string;
  province?: string;
  street?: string;
}

export interface TulingRequest {
  reqType: 0;
  perception: {
    inputText: { text: string };
    selfInfo?: { location: TulingLocation };
  };
  userInfo: { apiKey: string; userId: string };
}

/** The encrypted body of §7.5. */
export interface TulingEnvelope {
  key: string;
  timestamp: string;
  data: string;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8');

/**
 * Tuling accepts `[A-Za-z0-9]{1,32}` as userId and keys conversation context on it; OpenIDs have
 * `-`/`_`. md5 hex is 32 lowercase hex chars and stable per user (§7.2).
 */
export function tulingUserId(openId: string): string {
  return md5(openId).digest('hex');
}

/** The plaintext request body. `text` is trimmed and cut to 128 characters; no inputImage is sent. */
export function buildTulingRequest(
  text: string,
  openId: string,
  apiKey: string,
  location?: TulingLocation,
): TulingRequest {
  const perception: TulingRequest['perception'] = {
    inputText: { text: truncateChars(text.trim(), TULING_TEXT_LIMIT) },
  };
  if (location) perception.selfInfo = { location: compactLocation(location) };
  return { reqType: 0, perception, userInfo: { apiKey, userId: tulingUserId(openId) } };
}

function compactLocation(l: TulingLocation): TulingLocation {
  const out: TulingLocation = { city: l.city };
  if (l.province) out.province = l.province;
  if (l.street) out.street = l.street;
  return out;
}

/** keyHex = md5hex(secret + timestamp + apiKey); AES key = md5(keyHex) raw, 16 bytes. */
export function tulingAesKey(secret: string, timestamp: string, apiKey: string): Buffer {
  return md5(md5(secret + timestamp + apiKey).digest('hex')).digest();
}

const ZERO_IV = Buffer.alloc(16);

/** AES-128-CBC, zero IV, PKCS#7 (16-byte block) over the JSON body, base64 (§7.5). */
export function encryptTulingRequest(body: object, apiKey: string, secret: string, timestamp: string): TulingEnvelope {
  const c = createCipheriv('aes-128-cbc', tulingAesKey(secret, timestamp, apiKey), ZERO_IV);
  const data = Buffer.concat([c.update(JSON.stringify(body), 'utf8'), c.final()]).toString('base64');
  return { key: apiKey, timestamp, data };
}

/** The server side of §7.5 (used by the fake server and tests); throws on a wrong key or bad padding. */
export function decryptTulingEnvelope(env: TulingEnvelope, secret: string): string {
  const d = createDecipheriv('aes-128-cbc', tulingAesKey(secret, env.timestamp, env.key), ZERO_IV);
  return Buffer.concat([d.update(Buffer.from(env.data, 'base64')), d.final()]).toString('utf8');
}
