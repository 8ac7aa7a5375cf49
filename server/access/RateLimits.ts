import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../http/HttpError.js';
import type { RateBucket } from './accessTypes.js';
import type { LimitsConfig, RateConfig } from './limitsConfig.js';

/** Which limits apply to a bucket: per client address, and per wallet where one is known. */
const BUCKET_LIMITS: Record<RateBucket, { address: keyof LimitsConfig; wallet?: keyof LimitsConfig }> = {
  signin: { address: 'signinPerAddress' },
  capture: { address: 'capturePerAddress', wallet: 'capturePerWallet' },
  face: { address: 'facePerAddress', wallet: 'facePerWallet' },
  whep: { address: 'whepPerAddress' },
  socket: { address: 'socketPerAddress' },
  api: { address: 'apiPerAddress' },
};

/** A refusal: how long until the caller may try again, s (for `Retry-After`). */
export class RateLimitedError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(429, message, 'rate', { 'Retry-After': String(retryAfterS) });
  }
}

/**
 * Per-caller request rates, in memory (`rate-limiter-flexible`'s fixed windows): each bucket
 * counts per client address and, where the caller has a wallet, per wallet; both must have room.
 * Memory is bounded by the callers seen within one window (expired keys are dropped).
 */
export class RateLimits {
  readonly #address = new Map<RateBucket, RateLimiterMemory>();
  readonly #wallet = new Map<RateBucket, RateLimiterMemory>();

  constructor(config: LimitsConfig) {
    const limiter = (rate: RateConfig): RateLimiterMemory =>
      new RateLimiterMemory({ points: rate.points, duration: rate.windowS });
    for (const [bucket, limits] of Object.entries(BUCKET_LIMITS) as [
      RateBucket,
      (typeof BUCKET_LIMITS)[RateBucket],
    ][]) {
      this.#address.set(bucket, limiter(config[limits.address] as RateConfig));
      if (limits.wallet) this.#wallet.set(bucket, limiter(config[limits.wallet] as RateConfig));
    }
  }

  /**
   * Counts one request of `bucket` for the address (and the wallet, when given).
   * @throws RateLimitedError (429 with `Retry-After`) when either has no room left in its window.
   */
  async consume(bucket: RateBucket, address: string, wallet?: string): Promise<void> {
    await take(this.#address.get(bucket)!, address, `too many ${bucket} requests from this address`);
    const perWallet = this.#wallet.get(bucket);
    if (perWallet && wallet) await take(perWallet, wallet, `too many ${bucket} requests for this wallet`);
  }
}

async function take(limiter: RateLimiterMemory, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejected) {
    if (!(rejected instanceof RateLimiterRes)) throw rejected;
    const retryAfterS = Math.max(1, Math.ceil(rejected.msBeforeNext / 1000));
    throw new RateLimitedError(`${message}: try again in ${retryAfterS} s`, retryAfterS);
  }
}
