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

/** A request to camerad was answered with `ok: false`; `code` is camerad's snake_case error code. */
export class CameradError extends Error {
  override name = 'CameradError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
