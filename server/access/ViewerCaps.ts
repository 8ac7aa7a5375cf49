import { HttpError } from '../http/HttpError.js';

/** Seconds a viewer turned away for a full camera is told to wait (`Retry-After`). */
const RETRY_AFTER_S = 10;

/**
 * Caps on WebRTC viewers at once, per camera and per client address (`limits.whepViewersPerCamera`,
 * `limits.whepViewersPerAddress`). It remembers which address created each viewer; viewers the
 * SFU no longer has (closed, timed out) are forgotten at the next admission, so its memory is
 * bounded by the viewers that exist.
 */
export class ViewerCaps {
  readonly #perCamera: number;
  readonly #perAddress: number;
  /** viewer id → who created it, per camera. */
  readonly #owners = new Map<string, Map<string, string>>();

  constructor(limits: { whepViewersPerCamera: number; whepViewersPerAddress: number }) {
    this.#perCamera = limits.whepViewersPerCamera;
    this.#perAddress = limits.whepViewersPerAddress;
  }

  /**
   * Checks that one more viewer fits.
   * @param live ids of the camera's viewers the SFU has now.
   * @throws HttpError 503 (with `Retry-After`) when the camera is full, 429 when this address has
   *   its share already.
   */
  admit(cameraId: string, address: string, live: readonly string[]): void {
    const owners = this.#owners.get(cameraId) ?? new Map<string, string>();
    this.#owners.set(cameraId, owners);
    const alive = new Set(live);
    for (const id of owners.keys()) if (!alive.has(id)) owners.delete(id);
    if (live.length >= this.#perCamera) {
      throw new HttpError(503, `camera "${cameraId}" has its maximum of ${this.#perCamera} viewers`, 'camera', {
        'Retry-After': String(RETRY_AFTER_S),
      });
    }
    let mine = 0;
    for (const owner of owners.values()) if (owner === address) mine += 1;
    if (mine >= this.#perAddress) {
      throw new HttpError(
        429,
        `this address has ${mine} viewers of camera "${cameraId}" already (the maximum)`,
        'camera',
        {
          'Retry-After': String(RETRY_AFTER_S),
        },
      );
    }
  }

  /** Records that `address` created viewer `viewerId`. */
  added(cameraId: string, viewerId: string, address: string): void {
    const owners = this.#owners.get(cameraId) ?? new Map<string, string>();
    this.#owners.set(cameraId, owners);
    owners.set(viewerId, address);
  }
}
