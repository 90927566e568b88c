export * from './env.js';
export * from './mask.js';
export * from './dev-session.js';
export * from './errors.js';
