/**
 * Exponential reconnect delay: 0.5 s, 1 s, 2 s, 4 s, 4 s, ... until
 * `reset()` is called after a successful (frames flowing) connection.
 */
export class Backoff {
  private attempt = 0;

  /**
   * @param initialMs first delay in milliseconds.
   * @param maxMs upper bound for any delay in milliseconds.
   */
  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 4000,
  ) {}

  /** Delay before the next attempt, in milliseconds; advances the sequence. */
  next(): number {
    const ms = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    if (ms < this.maxMs) this.attempt++;
    return ms;
  }

  /** Back to the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
