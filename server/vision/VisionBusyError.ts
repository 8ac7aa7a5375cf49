/**
 * The inference thread already has `vision.worker.maxPending` analyses queued: the caller should
 * drop this frame (a live camera sends a newer one shortly) or retry an upload later (HTTP 503).
 */
export class VisionBusyError extends Error {
  override name = 'VisionBusyError';
}
