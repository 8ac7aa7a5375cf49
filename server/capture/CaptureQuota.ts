import { CaptureError } from './CaptureError.js';
import { MIB } from './captureConfig.js';
import type { MediaCaller } from './captureTypes.js';
import type { MediaStore } from './MediaStore.js';

/** One hour, ms: the window of `photosPerHour`. */
export const PHOTO_WINDOW_MS = 3_600_000;

/** Wallets in the photo log before a full prune of those idle for the window (amortised). */
const LOG_PRUNE_AT = 1024;

/** Options of {@link CaptureQuota}. */
export interface CaptureQuotaOptions {
  store: MediaStore;
  /** Photos one wallet may have taken in the last {@link PHOTO_WINDOW_MS} (an integer ≥ 1). */
  photosPerHour: number;
  /** Bytes one wallet's photos and videos may take (an integer ≥ 1). */
  walletBytes: number;
  /** The setting `walletBytes` came from (`outputs.quotas.walletBudgetPercent`): the refusal's `field`. */
  walletBytesSetting: string;
  /**
   * Wallets the quotas do not bind (the operator's; the retention sweeper asks, requests carry
   * `MediaCaller.operator`). Default: none.
   */
  isExempt?: (wallet: string) => boolean;
  /** Clock, ms since the Unix epoch (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * Per-wallet quotas of photos and recordings (settings `outputs.quotas`):
 * - photos per hour, a sliding 60-minute window: the larger of the photos this process saw the
 *   wallet take (an in-memory log, {@link notePhoto}; photos deleted since, by their owner or by
 *   retention, still count) and the wallet's stored photos created in the window (which survive
 *   a restart). At the limit a photo is refused with `Retry-After` = when the oldest counted one
 *   leaves the window. The log holds at most `photosPerHour` times per wallet, and wallets idle
 *   for the window are dropped (checked once it holds {@link LOG_PRUNE_AT} wallets).
 * - bytes: the wallet's finished items plus the current size of its recordings (from the media
 *   store); a photo that would take the wallet over it, or a recording started at it, is refused.
 * The operator (`MediaCaller.operator`, or a wallet `isExempt` names) and the deployment token's
 * captures (wallet null) are not bound: the operator owns the disk budget.
 */
export class CaptureQuota {
  readonly photosPerHour: number;
  readonly walletBytes: number;
  readonly #store: MediaStore;
  readonly #setting: string;
  readonly #isExempt: (wallet: string) => boolean;
  readonly #now: () => number;
  /** Creation times of the photos each bound wallet took in the window, oldest first. */
  readonly #log = new Map<string, number[]>();

  /** @throws TypeError when a limit is not a positive integer. */
  constructor(opts: CaptureQuotaOptions) {
    if (!Number.isSafeInteger(opts.photosPerHour) || opts.photosPerHour < 1) {
      throw new TypeError('photosPerHour must be a positive integer');
    }
    if (!Number.isSafeInteger(opts.walletBytes) || opts.walletBytes < 1) {
      throw new TypeError('walletBytes must be a positive integer (bytes)');
    }
    this.#store = opts.store;
    this.photosPerHour = opts.photosPerHour;
    this.walletBytes = opts.walletBytes;
    this.#setting = opts.walletBytesSetting;
    this.#isExempt = opts.isExempt ?? (() => false);
    this.#now = opts.now ?? Date.now;
  }

  /** Whether the quotas bind this owner (a wallet, not exempt; null is the deployment token's). */
  binds(wallet: string | null): wallet is string {
    return wallet !== null && !this.#isExempt(wallet);
  }

  /**
   * Checks that `caller` may keep one more photo of `bytes` bytes (0 before the picture is known).
   * @throws CaptureError `rate_limited` (with `retryAfterS`) at `photosPerHour`; `over_quota`
   *   when the photo would take the wallet over its byte quota.
   */
  checkPhoto(caller: MediaCaller, bytes = 0): void {
    if (caller.operator || !this.binds(caller.wallet)) return;
    const now = this.#now();
    const since = now - PHOTO_WINDOW_MS;
    const stored = this.#store.photosSince(caller.wallet, since);
    const seen = this.#recent(caller.wallet, since);
    // When each count gets back under the limit: its (count − limit + 1)-th oldest leaves the window.
    let freeAt = -Infinity;
    if (seen.length >= this.photosPerHour) freeAt = seen[seen.length - this.photosPerHour]! + PHOTO_WINDOW_MS;
    if (stored.count >= this.photosPerHour) {
      // Stored photos are counted, not listed: the oldest one is the bound (exact at the limit).
      freeAt = Math.max(freeAt, (stored.oldestAt ?? now) + PHOTO_WINDOW_MS);
    }
    if (freeAt > -Infinity) {
      const retryAfterS = Math.max(1, Math.ceil((freeAt - now) / 1000));
      throw new CaptureError(
        'rate_limited',
        `photo quota: ${this.photosPerHour} photos per hour per wallet (outputs.quotas.photosPerHour); the next one in ${retryAfterS} s`,
        'outputs.quotas.photosPerHour',
        retryAfterS,
      );
    }
    this.#checkBytes(caller.wallet, bytes, 'the photo was not saved');
  }

  /**
   * Checks that `caller` may start a recording (its wallet is under its byte quota).
   * @throws CaptureError `over_quota`.
   */
  checkRecording(caller: MediaCaller): void {
    if (caller.operator || !this.binds(caller.wallet)) return;
    this.#checkBytes(caller.wallet, 1, 'no recording was started');
  }

  /**
   * Counts a photo `caller` took at `takenAt` (ms since the Unix epoch) toward its hourly quota.
   * Call it once the photo is stored; a no-op for callers the quotas do not bind.
   */
  notePhoto(caller: MediaCaller, takenAt: number): void {
    if (caller.operator || !this.binds(caller.wallet)) return;
    const times = this.#recent(caller.wallet, this.#now() - PHOTO_WINDOW_MS);
    times.push(takenAt);
    if (times.length > this.photosPerHour) times.splice(0, times.length - this.photosPerHour);
    this.#log.set(caller.wallet, times);
    if (this.#log.size > LOG_PRUNE_AT) this.#prune();
  }

  /** Bytes `wallet` may still add (negative when over); Infinity when the quotas do not bind it. */
  bytesLeft(wallet: string | null): number {
    return this.binds(wallet) ? this.walletBytes - this.#store.usageOf(wallet) : Infinity;
  }

  /** The wallet's logged photo times within the window (older ones dropped), oldest first. */
  #recent(wallet: string, since: number): number[] {
    const times = this.#log.get(wallet);
    if (!times) return [];
    const first = times.findIndex((t) => t >= since);
    if (first === -1) {
      this.#log.delete(wallet);
      return [];
    }
    if (first > 0) times.splice(0, first);
    return times;
  }

  /** Drops the wallets whose newest logged photo left the window. */
  #prune(): void {
    const since = this.#now() - PHOTO_WINDOW_MS;
    for (const [wallet, times] of this.#log) if ((times.at(-1) ?? -Infinity) < since) this.#log.delete(wallet);
  }

  #checkBytes(wallet: string, adding: number, outcome: string): void {
    const used = this.#store.usageOf(wallet);
    if (used + adding <= this.walletBytes) return;
    throw new CaptureError(
      'over_quota',
      `storage quota: your photos and videos take ${mib(used)} of the ${mib(this.walletBytes)} a wallet may keep (${this.#setting}); ${outcome}: delete some of yours first`,
      this.#setting,
    );
  }
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
