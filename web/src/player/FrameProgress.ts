/** A player without a newly shown or decoded frame for this long has failed (its default), ms. */
export const FRAME_STALL_MS = 4000;

/**
 * The frame-stall watchdog of the players (WHEP, MSE, Janus): fed a frame counter that only
 * grows while pictures come, it says when the counter has not grown for longer than `stallMs`.
 */
export class FrameProgress {
  readonly stallMs: number;
  #frames = 0;
  #progressAt = 0;

  /** @param stallMs longest time without a new frame, ms. */
  constructor(stallMs = FRAME_STALL_MS) {
    this.stallMs = stallMs;
  }

  /** Starts over at `now` (ms, performance.now()): a new connection, its counter from 0. */
  reset(now: number): void {
    this.#frames = 0;
    this.#progressAt = now;
  }

  /**
   * Feeds the counter read at `now` (ms).
   * @returns true when it grew (frames flow), false when it did not.
   */
  advanced(frames: number, now: number): boolean {
    if (frames <= this.#frames) return false;
    this.#frames = frames;
    this.#progressAt = now;
    return true;
  }

  /** True when the counter has not grown for longer than `stallMs` at `now` (ms). */
  stalled(now: number): boolean {
    return now - this.#progressAt > this.stallMs;
  }
}
