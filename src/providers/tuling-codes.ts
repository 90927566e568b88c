import type { ProviderCodeMeaning } from './errors.js';

/**
 * Tuling v2 `intent.code` values that are not a normal answer (protocol.md §7.4).
 * Codes >= 10000 are intents (10004 chat, 10005 nearby places, …); everything below is an error.
 */
export const TULING_ERROR_CODES: Readonly<Record<number, ProviderCodeMeaning & { zh: string }>> = {
  5000: { zh: '无解析结果', en: 'no parse result' },
  6000: { zh: '暂不支持该功能', en: 'function not supported' },
  4000: { zh: '请求参数格式错误', en: 'malformed request parameters' },
  4001: {
    zh: '加密方式错误',
    en: 'wrong encryption (the robot has encryption on: set TULING_SECRET, or bad ciphertext)',
  },
  4002: { zh: '无功能权限', en: 'no permission for the function' },
  4003: { zh: '该apikey没有可用请求次数', en: 'quota exhausted for this apiKey' },
  4005: { zh: '无功能权限', en: 'no permission' },
  4007: { zh: 'apikey不合法', en: 'invalid apiKey' },
  4100: { zh: 'userid获取失败', en: 'failed to get userid' },
  4200: { zh: '上传格式错误', en: 'upload format error' },
  4300: { zh: '批量操作超过限制', en: 'batch operation over limit' },
  4400: { zh: '没有上传合法userid', en: 'no valid userid' },
  4500: { zh: 'userid申请个数超过限制', en: 'too many userids requested' },
  4600: { zh: '输入内容为空', en: 'empty input' },
  4602: { zh: '输入文本内容超长(上限150)', en: 'input text too long (max 150)' },
  7002: { zh: '上传信息失败', en: 'upload failed' },
  8008: { zh: '服务器错误', en: 'server error' },
  0: { zh: '上传成功', en: 'upload success (upload-type APIs only; not a chat answer)' },
};

/** Tuling's quota error: worth its own fallback text. */
export const TULING_QUOTA_CODE = 4003;

export function tulingMeaning(code: number): ProviderCodeMeaning & { zh: string } {
  return TULING_ERROR_CODES[code] ?? { zh: '未知错误码', en: 'unknown error code' };
}

/** True when `intent.code` is a normal answer, not an error (§7.3). */
export function isTulingIntent(code: number): boolean {
  return code >= 10000;
}
