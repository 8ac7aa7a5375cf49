import type { Logger } from 'pino';
import type { MediaItem } from './captureTypes.js';
import type { MediaStore } from './MediaStore.js';

/** Options of {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  store: MediaStore;
  /** Items created longer ago than this are deleted, ms (> 0). */
  maxAgeMs: number;
  /** While all items take more than this, the oldest are deleted, bytes (> 0). */
  budgetBytes: number;
  /** Period of the sweep, ms (a positive integer). */
  intervalMs: number;
  logger: Logger;
  /** Clock, ms since the Unix epoch (tests). Default `Date.now`. */
  now?: () => number;
}

/** What one sweep deleted. */
export interface SweepResult {
  /** Deleted for their age. */
  expired: MediaItem[];
  /** Deleted to get back under the disk budget. */
  overBudget: MediaItem[];
  /** Disk use of the items left, bytes. */
  usage: number;
}

/**
 * Retention of photos and recordings: deletes items older than `maxAgeMs`, then, while all items
 * together take more than `budgetBytes`, the oldest first. An item being recorded (status
 * `recording`) is never deleted; its current file size counts toward the budget. Runs every
 * `intervalMs` once started (timer `unref()`'d) and soon after each new item ({@link schedule});
 * a failing deletion is logged and the sweep goes on with the next item.
 */
export class RetentionSweeper {
  readonly #store: MediaStore;
  readonly #maxAgeMs: number;
  readonly #budgetBytes: number;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  /** @throws TypeError when a limit or the interval is not positive. */
  constructor(opts: RetentionSweeperOptions) {
    if (!(opts.maxAgeMs > 0)) throw new TypeError('maxAgeMs must be > 0 (ms)');
    if (!(opts.budgetBytes > 0)) throw new TypeError('budgetBytes must be > 0 (bytes)');
    if (!Number.isSafeInteger(opts.intervalMs) || opts.intervalMs < 1) {
      throw new TypeError('intervalMs must be a positive integer (ms)');
    }
    this.#store = opts.store;
    this.#maxAgeMs = opts.maxAgeMs;
    this.#budgetBytes = opts.budgetBytes;
    this.#intervalMs = opts.intervalMs;
    this.#logger = opts.logger.child({ module: 'media-retention' });
    this.#now = opts.now ?? Date.now;
  }

  /** Starts the periodic sweep and runs one soon. Idempotent; a no-op after close. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => this.#run(), this.#intervalMs).unref();
    this.schedule();
  }

  /** Runs a sweep soon (once for several calls in a row). A no-op after close. */
  schedule(): void {
    if (this.#closed || this.#scheduled) return;
    this.#scheduled = setImmediate(() => {
      this.#scheduled = undefined;
      this.#run();
    });
    this.#scheduled.unref();
  }

  /**
   * Sweeps now.
   * @returns what was deleted and the disk use left.
   * @throws the database error when the items cannot be listed.
   */
  sweep(): SweepResult {
    const expired: MediaItem[] = [];
    const overBudget: MediaItem[] = [];
    for (const item of this.#store.finishedOldestFirst(this.#now() - this.#maxAgeMs)) {
      if (this.#delete(item)) expired.push(item);
    }
    let usage = this.#store.usage();
    if (usage > this.#budgetBytes) {
      for (const item of this.#store.finishedOldestFirst()) {
        if (usage <= this.#budgetBytes) break;
        if (!this.#delete(item)) continue;
        overBudget.push(item);
        usage -= item.bytes ?? 0;
      }
    }
    if (expired.length + overBudget.length > 0) {
      this.#logger.info(
        { expired: expired.length, overBudget: overBudget.length, usage, budget: this.#budgetBytes },
        'old photos and recordings deleted',
      );
    }
    if (usage > this.#budgetBytes) {
      this.#logger.warn({ usage, budget: this.#budgetBytes }, 'recordings in progress exceed the media disk budget');
    }
    return { expired, overBudget, usage };
  }

  /** Stops the sweeps. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }

  #delete(item: MediaItem): boolean {
    try {
      return this.#store.delete(item.id) !== undefined;
    } catch (error) {
      this.#logger.error({ err: error, id: item.id }, 'cannot delete an old media item');
      return false;
    }
  }

  #run(): void {
    if (this.#closed) return;
    try {
      this.sweep();
    } catch (error) {
      this.#logger.error({ err: error }, 'media retention sweep failed');
    }
  }
}
