import type { Logger } from 'pino';
import type { CaptureQuota } from './CaptureQuota.js';
import type { MediaItem } from './captureTypes.js';
import type { MediaStore, OwnerUsage } from './MediaStore.js';

/** Options of {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  store: MediaStore;
  /** Items created longer ago than this are deleted, ms (> 0; `outputs.retention.maxAgeDays`). */
  maxAgeMs: number;
  /**
   * While all items take more than this, the heaviest owner's oldest are deleted, bytes (> 0;
   * `outputs.retention.diskBudgetMib`).
   */
  diskBudgetBytes: number;
  /** Per-wallet byte quota: a wallet over it loses its own oldest items. Default: none. */
  quota?: CaptureQuota;
  /** Period of the sweep, ms (a positive integer; `outputs.retention.sweepIntervalS`). */
  sweepIntervalMs: number;
  logger: Logger;
  /** Clock, ms since the Unix epoch (tests). Default `Date.now`. */
  now?: () => number;
}

/** An owner during a sweep: its bytes left, and its finished items oldest first once needed. */
interface Owner extends OwnerUsage {
  queue: MediaItem[] | undefined;
  /** Index of the next item of `queue` to delete. */
  next: number;
}

/** What one sweep deleted. */
export interface SweepResult {
  /** Deleted for their age. */
  expired: MediaItem[];
  /** Deleted because their wallet was over its byte quota (only that wallet's items). */
  overQuota: MediaItem[];
  /** Deleted to get back under the disk budget (the heaviest owner's first). */
  overBudget: MediaItem[];
  /** Disk use of the items left, bytes. */
  usage: number;
}

/**
 * Retention of photos and recordings, in three steps:
 * 1. age: items created more than `maxAgeMs` ago are deleted, whoever owns them;
 * 2. wallet quota: a wallet the `quota` binds that holds more than its byte quota loses its own
 *    oldest items until it is within it (no other owner's item is touched in this step);
 * 3. disk budget: while all items together take more than `diskBudgetBytes`, the oldest item of the
 *    owner holding the most bytes is deleted (the items with no wallet, the deployment token's,
 *    count as one owner; on equal bytes the owner whose newest item is newer goes first). So an
 *    owner loses items to the budget only while no other owner holds more: a wallet flooding
 *    captures (bounded by its quota) pays with its own oldest items first, and reaches another
 *    owner's only after it has been trimmed below them. An owner whose every remaining byte is a
 *    recording being written is passed over.
 * An item being recorded (status `recording`) is never deleted; its current file size counts
 * toward its owner's bytes and the budget. Runs every
 * `sweepIntervalMs` once started (timer `unref()`'d) and soon after each new item ({@link schedule});
 * a failing deletion is logged and the sweep goes on with the next item.
 */
export class RetentionSweeper {
  readonly #store: MediaStore;
  readonly #maxAgeMs: number;
  readonly #diskBudgetBytes: number;
  readonly #quota: CaptureQuota | undefined;
  readonly #sweepIntervalMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #scheduled: NodeJS.Immediate | undefined;
  #closed = false;

  /** @throws TypeError when a limit or the interval is not positive. */
  constructor(opts: RetentionSweeperOptions) {
    if (!(opts.maxAgeMs > 0)) throw new TypeError('maxAgeMs must be > 0 (ms)');
    if (!(opts.diskBudgetBytes > 0)) throw new TypeError('diskBudgetBytes must be > 0 (bytes)');
    if (!Number.isSafeInteger(opts.sweepIntervalMs) || opts.sweepIntervalMs < 1) {
      throw new TypeError('sweepIntervalMs must be a positive integer (ms)');
    }
    this.#store = opts.store;
    this.#maxAgeMs = opts.maxAgeMs;
    this.#diskBudgetBytes = opts.diskBudgetBytes;
    this.#quota = opts.quota;
    this.#sweepIntervalMs = opts.sweepIntervalMs;
    this.#logger = opts.logger.child({ module: 'media-retention' });
    this.#now = opts.now ?? Date.now;
  }

  /** Starts the periodic sweep and runs one soon. Idempotent; a no-op after close. */
  start(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setInterval(() => this.#run(), this.#sweepIntervalMs).unref();
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
    for (const item of this.#store.finishedOldestFirst(this.#now() - this.#maxAgeMs)) {
      if (this.#delete(item)) expired.push(item);
    }
    const owners = this.#store.owners().map((o): Owner => ({ ...o, queue: undefined, next: 0 }));
    const overQuota: MediaItem[] = [];
    if (this.#quota) {
      for (const owner of owners) {
        if (!this.#quota.binds(owner.wallet)) continue;
        while (owner.bytes > this.#quota.walletBytes) {
          const item = this.#trim(owner);
          if (!item) break;
          overQuota.push(item);
        }
      }
    }
    const overBudget: MediaItem[] = [];
    let usage = owners.reduce((sum, o) => sum + o.bytes, 0);
    while (usage > this.#diskBudgetBytes) {
      const heaviest = owners
        .filter((o) => o.queue === undefined || o.next < o.queue.length)
        .reduce<Owner | undefined>(
          (best, o) =>
            !best || o.bytes > best.bytes || (o.bytes === best.bytes && o.newestAt > best.newestAt) ? o : best,
          undefined,
        );
      if (!heaviest) break;
      const item = this.#trim(heaviest);
      if (!item) continue; // nothing deletable left: the next heaviest
      overBudget.push(item);
      usage -= item.bytes ?? 0;
    }
    if (expired.length + overQuota.length + overBudget.length > 0) {
      this.#logger.info(
        {
          expired: expired.length,
          overQuota: overQuota.length,
          overBudget: overBudget.length,
          usage,
          budget: this.#diskBudgetBytes,
        },
        'old photos and recordings deleted',
      );
    }
    if (usage > this.#diskBudgetBytes) {
      this.#logger.warn(
        { usage, budget: this.#diskBudgetBytes },
        'recordings in progress exceed the media disk budget',
      );
    }
    return { expired, overQuota, overBudget, usage };
  }

  /** Stops the sweeps. Idempotent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
  }

  /**
   * Deletes the owner's oldest finished item that can be deleted, and takes its bytes off the
   * owner. @returns it; undefined when the owner has none left (the owner is then exhausted).
   */
  #trim(owner: Owner): MediaItem | undefined {
    owner.queue ??= this.#store.finishedOldestFirstOf(owner.wallet);
    while (owner.next < owner.queue.length) {
      const item = owner.queue[owner.next++]!;
      if (!this.#delete(item)) continue;
      owner.bytes -= item.bytes ?? 0;
      return item;
    }
    return undefined;
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
