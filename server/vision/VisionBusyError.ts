/**
 * The inference thread already has `vision.worker.maxPending` analyses queued, or the upload
 * queue (`vision.upload.maxQueued`) is full: the caller should drop this frame (a live camera
 * sends a newer one shortly) or retry an upload later (HTTP 503 with `Retry-After`).
 */
export class VisionBusyError extends Error {
  override name = 'VisionBusyError';

  /**
   * @param retryAfterS when a retry may succeed, whole seconds ≥ 1 (the `Retry-After` of HTTP 503).
   */
  constructor(
    message: string,
    readonly retryAfterS = 1,
  ) {
    super(message);
  }
}
