import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import {
  BadRequestError,
  InvalidStateError,
  NotFoundError,
  TimeoutError,
  UnsupportedError,
} from '../../media/core/errors.js';
import { VisionBusyError } from '../vision/VisionBusyError.js';
import { HttpError } from './HttpError.js';

/**
 * Maps a thrown error to its HTTP status: domain errors to 4xx/503, a request to camerad that got
 * no answer in time (`TimeoutError`) to 504, anything else to 500.
 */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof BadRequestError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof UnsupportedError) return 422;
  if (error instanceof InvalidStateError) return 503;
  if (error instanceof VisionBusyError) return 503;
  if (error instanceof TimeoutError) return 504;
  const status = (error as { status?: unknown }).status; // koa / body parser errors (413, 415, …)
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}

/**
 * The one error middleware: every error becomes `{ "error": message, "field"?: name }` with
 * its status. Unexpected errors (500) are logged with their stack and answered without
 * internals; a deliberate 5xx (an `HttpError`, `InvalidStateError` or `TimeoutError`, e.g. 503
 * "camera is restarting", 504 "camerad request grab timed out after 5000 ms", 507 "disk full")
 * keeps its message, which is written for the client.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = statusOf(error);
      const field = (error as { field?: string }).field;
      ctx.status = status;
      if (error instanceof HttpError && error.headers) ctx.set(error.headers);
      if (error instanceof VisionBusyError) ctx.set('Retry-After', String(error.retryAfterS));
      const deliberate =
        error instanceof HttpError ||
        error instanceof InvalidStateError ||
        error instanceof VisionBusyError ||
        error instanceof TimeoutError;
      if (status >= 500 && !deliberate) {
        logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
        ctx.body = { error: 'internal error' };
      } else if (status >= 500) {
        logger.warn({ status, method: ctx.method, path: ctx.path, error: (error as Error).message }, 'request failed');
        ctx.body = field ? { error: (error as Error).message, field } : { error: (error as Error).message };
      } else {
        // A flood is answered with 429s: logging each at info would let it fill the disk.
        (status === 429 ? logger.debug.bind(logger) : logger.info.bind(logger))(
          { status, method: ctx.method, path: ctx.path, error: (error as Error).message },
          'request rejected',
        );
        ctx.body = field ? { error: (error as Error).message, field } : { error: (error as Error).message };
      }
    }
  };
}
