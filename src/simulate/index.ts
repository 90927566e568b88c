/**
 * simulate: play WeChat against any server. Build the exact push WeChat sends, sign and encrypt
 * it, send it, and judge the answer the way WeChat would.
 *
 * - `sendMessage({ url, message, settings })` → `SimulateResult` (status, ms, reply, ack, raw, problems, warnings)
 * - `verifyUrl({ url, token })` → the console's GET check, with reasons when it fails
 * - `judgeReply({ request, response, settings })` / `judgeEcho(...)` → pure verdicts, for your own transport
 * - message builders: `textMessage('你好')`, `subscribeEvent('scene')`, `clickEvent('KEY')`, …
 *
 * @example
 *   const r = await sendMessage({ url: 'http://127.0.0.1:5050/wechat', message: textMessage('你好'), settings: { token, mode: 'plain' } });
 *   if (r.problems.length) console.error(r.problems.join('\n'));
 */
export * from './errors.js';
export * from './ids.js';
export * from './messages.js';
export * from './push.js';
export * from './url.js';
export type { HttpResponse as SimulateHttpResponse } from './http.js';
export type { Findings, ParsedReply } from './reply-checks.js';
export { TEXT_REPLY_MAX_BYTES } from './reply-checks.js';
export * from './judge.js';
export * from './verify.js';
export * from './send.js';
export * from './chat.js';
