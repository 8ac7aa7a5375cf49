import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed download URLs for photos and videos, for `<img>`/`<video>` elements, which cannot send
 * an `Authorization` header: `?exp=<unix s>&sig=<hex>`, where `sig` is HMAC-SHA256 over
 * `<id>.<exp>` with a random key made at start (so URLs end when the server restarts, or
 * after `ttlS`). A URL grants reading that one item and nothing else.
 */
export class MediaUrlSigner {
  readonly #key: Buffer;
  readonly #ttlS: number;
  readonly #now: () => number;

  /**
   * @param opts.ttlS how long a signed URL works, s (a positive integer; default 3600).
   * @param opts.now clock, ms since the Unix epoch (tests).
   * @throws TypeError when `ttlS` is not a positive integer.
   */
  constructor(opts: { ttlS?: number; key?: Buffer; now?: () => number } = {}) {
    const ttlS = opts.ttlS ?? 3600;
    if (!Number.isSafeInteger(ttlS) || ttlS < 1) throw new TypeError('ttlS must be a positive integer (s)');
    this.#ttlS = ttlS;
    this.#key = opts.key ?? randomBytes(32);
    this.#now = opts.now ?? Date.now;
  }

  /** The query string (`exp=…&sig=…`, no `?`) that lets anyone read item `id` for `ttlS`. */
  sign(id: string): string {
    const exp = Math.floor(this.#now() / 1000) + this.#ttlS;
    return `exp=${exp}&sig=${this.#mac(id, exp)}`;
  }

  /** True when `exp`/`sig` are a valid, unexpired signature of item `id` (constant-time compare). */
  verify(id: string, exp: unknown, sig: unknown): boolean {
    if (typeof exp !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) {
      return false;
    }
    const expS = Number(exp);
    if (expS * 1000 < this.#now()) return false;
    return timingSafeEqual(Buffer.from(this.#mac(id, expS), 'hex'), Buffer.from(sig, 'hex'));
  }

  #mac(id: string, exp: number): string {
    return createHmac('sha256', this.#key).update(`${id}.${exp}`).digest('hex');
  }
}
