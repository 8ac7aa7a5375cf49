import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { BadRequestError, InvalidStateError, NotFoundError, UnsupportedError } from './errors.js';

/**
 * What crosses `postMessage` between a worker thread and the main thread, shared by the SFU's
 * viewer workers and the face-inference thread: errors flattened to plain objects (structured
 * clone keeps neither class nor extra fields) and the worker's pino log lines.
 */

/** An error as sent across threads. */
export interface WireError {
  name: string;
  message: string;
  /** `BadRequestError.field`. */
  field?: string;
}

/** Flattens an error for `postMessage`, keeping its class name and the offending field. */
export function toWireError(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, field: e instanceof BadRequestError ? e.field : undefined };
}

/**
 * Rebuilds the error on the receiving thread: the classes callers test for (media/core/errors.ts
 * and TypeError) come back as themselves; any other keeps its name on a plain `Error`.
 */
export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case 'BadRequestError':
      return new BadRequestError(wire.message, wire.field);
    case 'NotFoundError':
      return new NotFoundError(wire.message);
    case 'UnsupportedError':
      return new UnsupportedError(wire.message);
    case 'InvalidStateError':
      return new InvalidStateError(wire.message);
    case 'TypeError':
      return new TypeError(wire.message);
    default: {
      const error = new Error(wire.message);
      error.name = wire.name;
      return error;
    }
  }
}

/** pino's numeric levels (https://getpino.io/#/docs/api?id=levels). */
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * Re-logs a pino JSON line written by a worker thread through `logger`, at its level (the
 * worker's own `time`, `pid`, `hostname` and `module` are dropped: `logger` adds its own).
 */
export function forwardWorkerLog(logger: Logger, line: string, from: string): void {
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const { level, msg } = record;
    for (const key of ['level', 'msg', 'time', 'pid', 'hostname', 'module']) delete record[key];
    logger[LEVELS[level as number] ?? 'info'](record, String(msg ?? ''));
  } catch {
    logger.info({ line }, `unparsable log line from ${from}`);
  }
}

/**
 * Starts a worker thread on the module `name` next to `base` (an `import.meta.url`): the built
 * `.js` when running from dist/, or the `.ts` source through tsx's loader when running from
 * source (tests, benches), since a worker does not inherit the parent's `--import tsx`.
 */
export function startModuleWorker(base: string, name: string, options: { workerData: unknown; name: string }): Worker {
  const extension = base.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./${name}${extension}`, base);
  return extension === '.ts'
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`,
        { eval: true, ...options },
      )
    : new Worker(entry, options);
}
