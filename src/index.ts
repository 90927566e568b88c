/**
 * wxbot: the library. Grouped by audience:
 * - protocol: signatures, AES safe mode, XML messages and replies (pure, no I/O)
 * - store: the key/value store behind dedupe, tokens and sessions
 * - config: env/.env loading and secret masking
 */
export * from './protocol/index.js';
export * from './store/index.js';
export * from './config/index.js';
