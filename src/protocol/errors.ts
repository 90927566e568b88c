/**
 * Typed errors for the protocol layer. `code` is stable and safe to branch on;
 * `errcode` mirrors the WXBizMsgCrypt sample codes (protocol.md §3.7) where one applies.
 */
export class WxbotError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WxbotError';
    this.code = code;
  }
}

/** WXBizMsgCrypt error names and their numeric codes. */
export const CRYPTO_ERRCODES = {
  ValidateSignature_Error: -40001,
  ParseXml_Error: -40002,
  ComputeSignature_Error: -40003,
  IllegalAesKey: -40004,
  ValidateAppid_Error: -40005,
  EncryptAES_Error: -40006,
  DecryptAES_Error: -40007,
  IllegalBuffer: -40008,
  EncodeBase64_Error: -40009,
  DecodeBase64_Error: -40010,
  GenReturnXml_Error: -40011,
} as const;

export type CryptoErrorCode = keyof typeof CRYPTO_ERRCODES;

export class CryptoError extends WxbotError {
  override readonly code: CryptoErrorCode;
  readonly errcode: number;
  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'CryptoError';
    this.code = code;
    this.errcode = CRYPTO_ERRCODES[code];
  }
}

export type XmlErrorCode = 'XML_MALFORMED' | 'XML_FORBIDDEN' | 'XML_NOT_MESSAGE' | 'XML_TOO_LARGE';

export class XmlError extends WxbotError {
  override readonly code: XmlErrorCode;
  /** Same number as CryptoError's ParseXml_Error, so callers can map both alike. */
  readonly errcode = CRYPTO_ERRCODES.ParseXml_Error;
  constructor(code: XmlErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'XmlError';
    this.code = code;
  }
}
