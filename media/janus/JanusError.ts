/**
 * A Janus request that failed: `code` is Janus's error code (458 no such session, 403 wrong
 * token or secret, 455 no such mountpoint, …; janus/apierror.h and the Streaming plugin's
 * codes) or 0 for a transport failure (refused connection, timeout, HTTP status).
 */
export class JanusError extends Error {
  override name = 'JanusError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }

  /** Janus no longer knows the session or handle (it restarted, or the session timed out). */
  get sessionGone(): boolean {
    return this.code === 458 || this.code === 459;
  }
}
