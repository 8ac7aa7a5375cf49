import { VisionBusyError } from './VisionBusyError.js';

/**
 * Runs the work of uploaded images (decode + analysis) one at a time, apart from the cameras'
 * live analysis (which never waits here), with at most `maxQueued` uploads waiting: one more
 * fails at once with {@link VisionBusyError} (HTTP 503, `Retry-After` from the last job's
 * duration). One decode at a time bounds the memory uploads take to one RGB image
 * (`vision.upload.maxPixels` × 3 bytes) plus the waiting uploads' compressed bytes.
 */
export class UploadQueue {
  readonly #maxQueued: number;
  readonly #waiting: (() => void)[] = [];
  #running = false;
  /** Duration of the last job, ms (the estimate behind Retry-After). */
  #lastMs = 1000;

  /** @param maxQueued uploads that may wait while one runs (0: none wait). */
  constructor(maxQueued: number) {
    if (!(Number.isInteger(maxQueued) && maxQueued >= 0)) throw new TypeError('maxQueued must be an integer ≥ 0');
    this.#maxQueued = maxQueued;
  }

  /** Uploads running (0 or 1) and waiting. */
  get size(): number {
    return (this.#running ? 1 : 0) + this.#waiting.length;
  }

  /** Seconds after which a retry is likely to find room: the queue's length × the last job's time, ≥ 1. */
  get retryAfterS(): number {
    return Math.max(1, Math.ceil(((this.#waiting.length + 1) * this.#lastMs) / 1000));
  }

  /**
   * Throws {@link VisionBusyError} now if a new upload could not wait (checked before its body
   * is read, so a full queue does not buffer more uploads).
   */
  assertRoom(): void {
    if (this.#running && this.#waiting.length >= this.#maxQueued) {
      throw new VisionBusyError(
        `the server is busy with ${this.#waiting.length + 1} uploaded images: retry later`,
        this.retryAfterS,
      );
    }
  }

  /**
   * Runs `work` when the uploads before it are done.
   * @throws VisionBusyError at once when `maxQueued` uploads already wait; else what `work` throws.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.assertRoom();
    if (this.#running) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running = true;
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.#lastMs = performance.now() - started;
      const next = this.#waiting.shift();
      // Hand the slot straight to the next upload (#running stays true), or free it.
      if (next) next();
      else this.#running = false;
    }
  }
}
