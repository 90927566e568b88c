export * from './env.js';
export * from './mask.js';
