/**
 * History: the last 200 exchanges of `wxbot serve`/`tunnel`, secrets redacted, in `.wxbot/history.ndjson`;
 * what `wxbot history` lists and `wxbot replay` re-sends. The local stand-in for ngrok's inspector.
 */
export type { HistoryCustomService, HistoryEntry, HistoryInput } from './entry.js';
export { HistoryFile, historyPath, HISTORY_LIMIT, HISTORY_FLUSH_MS, type HistoryFileOptions } from './file.js';
export {
  HistoryReadError,
  entryProblem,
  readHistoryReport,
  type SkippedLine,
  readHistory,
  parseHistory,
} from './read.js';
export { redactEntry, REDACTED } from './redact.js';
export { formatHistoryLine, replyPreview, requestPreview, HISTORY_HEADER } from './format.js';
export {
  createHistoryRecorder,
  historyInputOf,
  secretsFromEnv,
  type HistoryRecorder,
  type HistoryRecorderOptions,
} from './record.js';
export {
  answerOnlyProblem,
  isAnswerOnly,
  requestAnswered,
  replayEntry,
  replayUrl,
  replyShape,
  withFreshIds,
  ReplayError,
  type ReplayOptions,
  type ReplayOutcome,
} from './replay.js';
export { historyToConvo, isConversationTurn } from './convo.js';
