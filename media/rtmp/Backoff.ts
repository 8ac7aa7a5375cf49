/** Moved to media/core/Backoff.ts; this re-export keeps older imports of media/rtmp/Backoff.js compiling. */
export { Backoff, type BackoffOptions } from '../core/Backoff.js';
