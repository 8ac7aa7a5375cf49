import type { CameradErrorCode } from '../camerad/CameradProtocol.js';

/**
 * Named error classes shared by the media modules (after mediasoup's `errors.ts`).
 * HTTP routers map them to status codes in one place (`server/http/errorMiddleware.ts`).
 */

/** The object is in a state where the call cannot run (closed channel, stopped camera). */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

/** The peer asked for something this server does not support (codec, ICE restart). */
export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

/** A named thing (camera, viewer) does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** Input from a client is malformed; `field` names the offending field when there is one. */
export class BadRequestError extends Error {
  override name = 'BadRequestError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * A request to camerad was answered with `ok: false`; `code` is camerad's error code (one of
 * those native/PROTOCOL.md lists, "Error codes used").
 */
export class CameradError extends Error {
  override name = 'CameradError';
  constructor(
    readonly code: CameradErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request got no answer in time (e.g. a camerad request past its timeout). The HTTP error
 * middleware answers it with 504 and this message.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(
    message: string,
    /** How long the request waited, ms. */
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
