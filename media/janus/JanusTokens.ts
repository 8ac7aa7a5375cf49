import { randomBytes } from 'node:crypto';

/** One viewer token minted through the Admin API. */
export interface JanusToken {
  token: string;
  cameraId: string;
  /** Who asked for it (the caller's address): the per-caller bound counts these. */
  caller: string;
  /** When it is removed from Janus, ms since epoch. */
  expiresAt: number;
}

/** Why a token cannot be minted now, and when one of the tokens in the way expires (ms from now). */
export interface JanusTokenRefusal {
  /** `total`: `maxTokens` outstanding; `caller`: this caller holds `maxTokensPerAddress`. */
  limit: 'total' | 'caller';
  retryAfterMs: number;
}

/** Thrown by {@link JanusTokens.mint} past a bound. */
export class JanusTokenLimitError extends RangeError {
  override name = 'JanusTokenLimitError';
  constructor(readonly refusal: JanusTokenRefusal) {
    super(refusal.limit === 'total' ? 'too many Janus tokens outstanding' : 'too many Janus tokens for this caller');
  }
}

/**
 * The viewer tokens outstanding, bounded in total (`maxTokens`) and per caller
 * (`maxTokensPerAddress`, so a few callers cannot take every token for a TTL), each removed
 * after its TTL: `onExpire` gets it (the owner calls `remove_token`). Janus forgets tokens when
 * it restarts; {@link valid} lists the ones to add again. {@link clear} is idempotent.
 */
export class JanusTokens {
  readonly #tokens = new Map<string, { entry: JanusToken; timer: NodeJS.Timeout }>();
  /** Tokens outstanding per caller. */
  readonly #perCaller = new Map<string, number>();

  /**
   * @param max tokens outstanding at most.
   * @param maxPerCaller tokens outstanding for one caller at most.
   * @param ttlMs lifetime of a token, ms.
   * @param onExpire called once per token when its TTL ends.
   */
  constructor(
    private readonly max: number,
    private readonly maxPerCaller: number,
    private readonly ttlMs: number,
    private readonly onExpire: (token: JanusToken) => void,
  ) {}

  get size(): number {
    return this.#tokens.size;
  }

  /** Why `caller` cannot get a token now, or undefined when it can. */
  refusal(caller: string): JanusTokenRefusal | undefined {
    if (this.#tokens.size >= this.max) return { limit: 'total', retryAfterMs: this.#firstExpiry(() => true) };
    if ((this.#perCaller.get(caller) ?? 0) >= this.maxPerCaller) {
      return { limit: 'caller', retryAfterMs: this.#firstExpiry((e) => e.caller === caller) };
    }
    return undefined;
  }

  /**
   * Draws a new token (128 bits, hex) for `cameraId` and `caller` and keeps it until its TTL.
   * @throws JanusTokenLimitError when {@link refusal} says no.
   */
  mint(cameraId: string, caller: string): JanusToken {
    const refusal = this.refusal(caller);
    if (refusal) throw new JanusTokenLimitError(refusal);
    const entry = { token: randomBytes(16).toString('hex'), cameraId, caller, expiresAt: Date.now() + this.ttlMs };
    const timer = setTimeout(() => {
      this.#forget(entry.token);
      this.onExpire(entry);
    }, this.ttlMs);
    timer.unref();
    this.#tokens.set(entry.token, { entry, timer });
    this.#perCaller.set(caller, (this.#perCaller.get(caller) ?? 0) + 1);
    return entry;
  }

  /** Forgets `token` now (its add failed). */
  drop(token: string): void {
    const t = this.#tokens.get(token);
    if (!t) return;
    clearTimeout(t.timer);
    this.#forget(token);
  }

  /** The tokens not yet expired. */
  valid(): JanusToken[] {
    return [...this.#tokens.values()].map((t) => t.entry);
  }

  /** Forgets every token without calling `onExpire`; returns them. Idempotent. */
  clear(): JanusToken[] {
    const all = this.valid();
    for (const t of this.#tokens.values()) clearTimeout(t.timer);
    this.#tokens.clear();
    this.#perCaller.clear();
    return all;
  }

  #forget(token: string): void {
    const t = this.#tokens.get(token);
    if (!t) return;
    this.#tokens.delete(token);
    const left = (this.#perCaller.get(t.entry.caller) ?? 1) - 1;
    if (left > 0) this.#perCaller.set(t.entry.caller, left);
    else this.#perCaller.delete(t.entry.caller);
  }

  /** ms until the first token matching `which` expires (tokens are kept in minting order). */
  #firstExpiry(which: (entry: JanusToken) => boolean): number {
    for (const { entry } of this.#tokens.values()) {
      if (which(entry)) return Math.max(0, entry.expiresAt - Date.now());
    }
    return 0;
  }
}
