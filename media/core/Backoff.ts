/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay, ms. Default 1000. */
  initialMs?: number;
  /** Largest delay (the cap), ms. Default 30000. */
  maxMs?: number;
  /** Each delay is the previous one times this. Default 2. */
  factor?: number;
  /**
   * Jitter as a fraction of the delay, in [0, 1): each delay is shortened by a random part of
   * up to this fraction (so it never exceeds the cap, and retries of many cameras spread out).
   * Default 0.2.
   */
  jitter?: number;
  /** Source of randomness in [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * Capped exponential backoff with jitter: delays `initial, initial·factor, …` up to `max`,
 * each shortened by up to `jitter` of itself. {@link reset} starts over (after a connection
 * that lasted). The one retry schedule of the project: camerad restarts, the RTMP and Janus
 * outputs, and the web player's reconnects (web/src imports this file; it uses no Node API).
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #base: number;

  /** @throws RangeError when a setting is out of range (initial ≤ 0, max < initial, factor < 1, jitter ∉ [0, 1)). */
  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = options.jitter ?? 0.2;
    this.#random = options.random ?? Math.random;
    if (!(this.initialMs > 0)) throw new RangeError(`backoff initialMs must be > 0, got ${this.initialMs}`);
    if (!(this.maxMs >= this.initialMs)) throw new RangeError(`backoff maxMs must be ≥ initialMs, got ${this.maxMs}`);
    if (!(this.#factor >= 1)) throw new RangeError(`backoff factor must be ≥ 1, got ${this.#factor}`);
    if (!(this.#jitter >= 0 && this.#jitter < 1))
      throw new RangeError(`backoff jitter must be in [0, 1), got ${this.#jitter}`);
    this.#base = this.initialMs;
  }

  /** The next delay in ms (rounded), advancing the schedule. */
  next(): number {
    const base = this.#base;
    this.#base = Math.min(base * this.#factor, this.maxMs);
    return Math.round(base * (1 - this.#jitter * this.#random()));
  }

  /** Starts the schedule over at the initial delay. */
  reset(): void {
    this.#base = this.initialMs;
  }
}
