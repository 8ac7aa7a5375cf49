/**
 * Why a capture request cannot be done, by `code`:
 * - `busy`: the camera is already recording, or the caller's wallet already records (HTTP 409);
 * - `not_recording`: stop without a running recording (409);
 * - `in_progress`: the item is still being written, so it cannot be deleted (409);
 * - `disk_full`: no space left on the data directory's disk (ENOSPC; 507);
 * - `no_signal`: the camera has no picture (source lost; 503);
 * - `rate_limited`: the wallet took `outputs.quotas.photosPerHour` photos in the last hour (429,
 *   `Retry-After: retryAfterS`);
 * - `over_quota`: the wallet's photos and videos take its byte quota (507, RFC 4331 §6).
 * The HTTP router maps codes to statuses; `field` names the offending input or the quota setting.
 */
export class CaptureError extends Error {
  override name = 'CaptureError';
  /**
   * @param retryAfterS `rate_limited`: seconds until the request can succeed (an integer ≥ 1).
   */
  constructor(
    readonly code: 'busy' | 'not_recording' | 'in_progress' | 'disk_full' | 'no_signal' | 'rate_limited' | 'over_quota',
    message: string,
    readonly field?: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
