/**
 * testing: conversation tests for bots. `.convo` files (`> ` what the user sends, `< ` what the bot
 * must answer), run in-process through the handler `wxbot serve` uses or against any server over
 * HTTP, every reply also judged by WeChat's rules.
 *
 * - `testBot(bot)` → a test client: `await t.send('你好')`, `t.event('subscribe')`, `t.click('ABOUT')`
 * - `assertConvo('tests', { bot })` / `runConvoFiles(paths, { bot } | { url, token })` → run files from any test framework
 * - `parseConvo(text)`, `formatConvo(turns)` → read and write conversation files
 * - `formatTextReport`, `formatTap`, `formatJunit`, `formatJsonReport` → reports of a run
 */
export { assertConvo } from './assert-convo.js';
export {
  type ActualReply,
  type Expectation,
  matchesExpectation,
  parseExpectation,
  replyLines,
} from './convo-expect.js';
export { type ConvoReplyInput, type ConvoTurnInput, type FormatConvoOptions, formatConvo } from './convo-format.js';
export { messageLine, parseDuration, parseSendKind, SEND_KIND_NAMES, type SendStep } from './convo-kinds.js';
export { type Conversation, type ConvoProblem, ConvoSyntaxError, type ConvoTurn, parseConvo } from './convo-parse.js';
export { FakeClock } from './fake-clock.js';
export { formatJsonReport, formatJunit, formatTap, formatTextReport, NO_PAINT, type Paint } from './report.js';
export {
  type ConversationResult,
  ConvoNetworkError,
  runConversation,
  type RunConversationOptions,
  type TurnResult,
} from './run-convo.js';
export {
  ConvoFileError,
  type ConvoRunReport,
  findConvoFiles,
  loadConvoFiles,
  type RunConvoOptions,
  runConversations,
  runConvoFiles,
} from './run-files.js';
export {
  type Delivery,
  type HttpTargetOptions,
  httpTarget,
  type InProcessOptions,
  inProcessTarget,
  type Target,
  type TargetSession,
  type TargetSettings,
} from './targets.js';
export { type TestBot, type TestBotOptions, type TestReply, testBot } from './test-bot.js';
