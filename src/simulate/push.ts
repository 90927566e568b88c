/**
 * Turns a message into the HTTP request WeChat would make (protocol.md §2): the signed query and
 * the body for plaintext, compatible or safe mode.
 */
import { buildMessageXml } from '../protocol/build-message.js';
import { MessageCipher } from '../protocol/crypto.js';
import type { WechatMessage } from '../protocol/messages.js';
import { computeMsgSignature, computeSignature } from '../protocol/signature.js';
import { cdata } from '../protocol/xml.js';
import { SimulateError } from './errors.js';
import { newNonce, unixSeconds } from './ids.js';
import { withQuery } from './url.js';

/** The console's three message encryption modes: 明文 plain, 兼容 compat, 安全 safe. */
export type SimulateMode = 'plain' | 'compat' | 'safe';
export const SIMULATE_MODES: readonly SimulateMode[] = ['plain', 'compat', 'safe'];

/** What the simulator needs to know about the account, like the WeChat console does. */
export interface SimulateSettings {
  token: string;
  mode: SimulateMode;
  /** EncodingAESKey; required for compat and safe mode. */
  aesKey?: string;
  /** AppID appended to every encrypted payload; required for compat and safe mode. */
  appId?: string;
}

/** One push exactly as sent: reused byte for byte by retries. */
export interface PushRequest {
  method: 'POST';
  /** The full URL, query included. */
  url: string;
  query: Record<string, string>;
  body: string;
  /** The message as plaintext XML (what the server should see after decrypting). */
  xml: string;
  message: WechatMessage;
  mode: SimulateMode;
}

export interface PushOptions {
  /** Seconds as a string; defaults to now. */
  timestamp?: string;
  nonce?: string;
  /** 16-byte AES random prefix, for byte-exact tests. */
  random?: Buffer;
}

/** Throws SIMULATE_CONFIG when compat/safe mode lacks its key or AppID. */
export function cipherFor(settings: SimulateSettings): MessageCipher | undefined {
  if (settings.mode === 'plain') return undefined;
  if (!settings.aesKey)
    throw new SimulateError(
      'SIMULATE_CONFIG',
      `${settings.mode} mode needs the EncodingAESKey (--aes-key or WECHAT_AES_KEY)`,
    );
  if (!settings.appId)
    throw new SimulateError('SIMULATE_CONFIG', `${settings.mode} mode needs the AppID (--app-id or WECHAT_APP_ID)`);
  try {
    return new MessageCipher(settings.aesKey, settings.appId);
  } catch (cause) {
    throw new SimulateError('SIMULATE_CONFIG', 'the EncodingAESKey must be exactly 43 letters and digits', { cause });
  }
}

export function buildPushRequest(
  url: string,
  message: WechatMessage,
  settings: SimulateSettings,
  o: PushOptions = {},
): PushRequest {
  if (!settings.token)
    throw new SimulateError('SIMULATE_CONFIG', 'a Token is needed to sign requests (--token or WECHAT_TOKEN)');
  const cipher = cipherFor(settings);
  const timestamp = o.timestamp ?? String(unixSeconds());
  const nonce = o.nonce ?? newNonce();
  const xml = buildMessageXml(message);
  // Parameter order as WeChat sends them; `openid` is informative only (§2.1).
  const query: Record<string, string> = {
    signature: computeSignature(settings.token, timestamp, nonce),
    timestamp,
    nonce,
    openid: message.FromUserName,
  };
  let body = xml;
  if (cipher) {
    const encrypt = cipher.encrypt(xml, o.random);
    query.encrypt_type = 'aes';
    query.msg_signature = computeMsgSignature(settings.token, timestamp, nonce, encrypt);
    // Safe mode keeps only ToUserName beside Encrypt; compat mode adds Encrypt to the plaintext fields (§2.2).
    body =
      settings.mode === 'safe'
        ? `<xml><ToUserName>${cdata(message.ToUserName)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`
        : xml.replace(/<\/xml>$/, `<Encrypt>${cdata(encrypt)}</Encrypt></xml>`);
  }
  return { method: 'POST', url: withQuery(url, query), query, body, xml, message, mode: settings.mode };
}
