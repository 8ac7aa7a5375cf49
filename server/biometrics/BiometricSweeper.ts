import type { Logger } from 'pino';
import type { BiometricVault } from './BiometricVault.js';

/**
 * Purges expired temporary biometric data: calls `vault.purgeExpired()` every `purgeIntervalMs`
 * (config `biometrics.purgeIntervalS` × 1000) once started. The timer is `unref()`'d, so it
 * never keeps the process alive; a failing sweep is logged as an error and the next one runs
 * on schedule.
 */
export class BiometricSweeper {
  readonly #vault: Pick<BiometricVault, 'purgeExpired'>;
  readonly #purgeIntervalMs: number;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * @param opts.purgeIntervalMs sweep period, ms (a positive integer).
   * @throws TypeError when `purgeIntervalMs` is not a positive integer.
   */
  constructor(opts: { vault: Pick<BiometricVault, 'purgeExpired'>; purgeIntervalMs: number; logger: Logger }) {
    if (!Number.isSafeInteger(opts.purgeIntervalMs) || opts.purgeIntervalMs < 1) {
      throw new TypeError('purgeIntervalMs must be a positive integer (ms)');
    }
    this.#vault = opts.vault;
    this.#purgeIntervalMs = opts.purgeIntervalMs;
    this.#logger = opts.logger.child({ module: 'biometrics-sweeper' });
  }

  /** Starts the periodic sweep (the first one `purgeIntervalMs` from now). Idempotent; a no-op after close. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), this.#purgeIntervalMs).unref();
  }

  /**
   * Purges expired data now.
   * @returns how many blobs were deleted.
   * @throws what `purgeExpired` throws (a database or audit failure).
   */
  sweep(): number {
    const blobs = this.#vault.purgeExpired();
    if (blobs > 0) this.#logger.info({ blobs }, 'expired biometric data purged');
    else this.#logger.debug('no expired biometric data');
    return blobs;
  }

  /** Stops the sweep. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    try {
      this.sweep();
    } catch (error) {
      this.#logger.error({ err: error }, 'expired biometric data purge failed');
    }
  }
}
