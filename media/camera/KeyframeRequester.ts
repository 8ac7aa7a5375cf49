import type { Logger } from 'pino';

/**
 * Rate-limits keyframe requests to an encoder. Many viewers joining or a burst of PLIs must
 * not turn the stream into all-IDR; but no request may be lost either, so a request inside
 * the quiet interval is deferred to its end (trailing edge) rather than dropped.
 */
export class KeyframeRequester {
  readonly #send: () => Promise<unknown>;
  readonly #minIntervalMs: number;
  readonly #logger: Logger;
  #lastSentAt = -Infinity;
  #deferred: NodeJS.Timeout | undefined;
  #sent = 0;
  #coalesced = 0;
  #closed = false;

  /**
   * @param send performs one request (camerad `keyframe`); its rejection is logged.
   * @param minIntervalMs least time between two requests, in ms.
   */
  constructor(send: () => Promise<unknown>, minIntervalMs: number, logger: Logger) {
    this.#send = send;
    this.#minIntervalMs = minIntervalMs;
    this.#logger = logger;
  }

  /** Requests sent to the encoder. */
  get sent(): number {
    return this.#sent;
  }

  /** Requests folded into another one by the rate limit. */
  get coalesced(): number {
    return this.#coalesced;
  }

  /** Asks for a keyframe now, or at the end of the current quiet interval. */
  request(reason: string): void {
    if (this.#closed) return;
    const wait = this.#lastSentAt + this.#minIntervalMs - performance.now();
    if (wait <= 0) {
      this.#fire(reason);
      return;
    }
    this.#coalesced += 1;
    this.#deferred ??= setTimeout(() => {
      this.#deferred = undefined;
      this.#fire(reason);
    }, wait);
  }

  /** Cancels a deferred request. Idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#deferred);
    this.#deferred = undefined;
  }

  #fire(reason: string): void {
    if (this.#closed) return;
    this.#lastSentAt = performance.now();
    this.#sent += 1;
    this.#logger.debug({ reason }, 'keyframe requested');
    this.#send().catch((error: unknown) =>
      this.#logger.warn({ err: error, reason }, 'keyframe request failed (camerad not connected?)'),
    );
  }
}
