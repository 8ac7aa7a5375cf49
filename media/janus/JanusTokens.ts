import { randomBytes } from 'node:crypto';

/** One viewer token minted through the Admin API. */
export interface JanusToken {
  token: string;
  cameraId: string;
  /** When it is removed from Janus, ms since epoch. */
  expiresAt: number;
}

/**
 * The viewer tokens outstanding, bounded (`maxTokens`) and each removed after its TTL: `onExpire`
 * gets it (the owner calls `remove_token`). Janus forgets tokens when it restarts; {@link valid}
 * lists the ones to add again. {@link clear} is idempotent.
 */
export class JanusTokens {
  readonly #tokens = new Map<string, { entry: JanusToken; timer: NodeJS.Timeout }>();

  /**
   * @param max tokens outstanding at most.
   * @param ttlMs lifetime of a token, ms.
   * @param onExpire called once per token when its TTL ends.
   */
  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly onExpire: (token: JanusToken) => void,
  ) {}

  get size(): number {
    return this.#tokens.size;
  }

  get full(): boolean {
    return this.#tokens.size >= this.max;
  }

  /**
   * Draws a new token (128 bits, hex) for `cameraId` and keeps it until its TTL.
   * @throws RangeError when {@link full}.
   */
  mint(cameraId: string): JanusToken {
    if (this.full) throw new RangeError(`${this.max} Janus tokens outstanding`);
    const entry = { token: randomBytes(16).toString('hex'), cameraId, expiresAt: Date.now() + this.ttlMs };
    const timer = setTimeout(() => {
      this.#tokens.delete(entry.token);
      this.onExpire(entry);
    }, this.ttlMs);
    timer.unref();
    this.#tokens.set(entry.token, { entry, timer });
    return entry;
  }

  /** Forgets `token` now (its add failed). */
  drop(token: string): void {
    const t = this.#tokens.get(token);
    if (!t) return;
    clearTimeout(t.timer);
    this.#tokens.delete(token);
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
    return all;
  }
}
