/**
 * Why a capture request cannot be done, by `code`:
 * - `busy`: the camera is already recording (HTTP 409);
 * - `not_recording`: stop without a running recording (409);
 * - `in_progress`: the item is still being written, so it cannot be deleted (409);
 * - `disk_full`: no space left on the data directory's disk (ENOSPC; 507);
 * - `no_signal`: the camera has no picture (source lost; 503).
 * The HTTP router maps codes to statuses; `field` names the offending input when there is one.
 */
export class CaptureError extends Error {
  override name = 'CaptureError';
  constructor(
    readonly code: 'busy' | 'not_recording' | 'in_progress' | 'disk_full' | 'no_signal',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
