import { SessionApiError } from './SessionApiError';
import type { TokenAnswer } from './SessionTypes';

/** sessionStorage key of the refresh token (JSON `{ refreshToken, refreshExpiresAt }`). */
const STORAGE_KEY = 'ecs.session.refresh';
/** Renew the JWT this long before it expires, ms; a token living less than 5 min renews at 80 % of its life. */
const RENEW_AHEAD_MS = 60_000;
/** After a failed renewal that may pass (network error, 5xx), try again after this, ms. */
const RETRY_MS = 5000;
/** Shortest wait before a renewal, ms (guards against a clock far off the server's). */
const MIN_DELAY_MS = 1000;

/** What a renewal attempt told the owner. */
export interface TokenListener {
  /** New tokens (after `accept`, a renewal or `restore`). */
  renewed(answer: TokenAnswer): void;
  /** The tokens are gone for good (refresh refused, or expired): the user must sign in again. */
  lost(reason: string): void;
}

/**
 * Keeps the session JWT in memory only and the refresh token in `sessionStorage` (so a reload of
 * this tab keeps the session, and nothing outlives the tab), and renews the JWT with the refresh
 * token before it expires (the server rotates the refresh token on each use).
 */
export class SessionTokens {
  #token: string | null = null;
  #tokenExpiresAt = 0;
  #timer: number | undefined;
  #refreshing: Promise<TokenAnswer> | null = null;

  /**
   * @param refresh trades a refresh token for new tokens (`SessionClient.refresh`).
   * @param listener told of renewals and of the loss of the session.
   * @param storage where the refresh token is kept.
   */
  constructor(
    private readonly refresh: (refreshToken: string) => Promise<TokenAnswer>,
    private readonly listener: TokenListener,
    private readonly storage: Storage = window.sessionStorage,
  ) {}

  /** The session JWT, or null when signed out or expired. */
  get token(): string | null {
    return this.#token !== null && Date.now() < this.#tokenExpiresAt ? this.#token : null;
  }

  /** True when a refresh token from an earlier page load of this tab is still valid. */
  get restorable(): boolean {
    return this.#stored() !== null;
  }

  /** Takes new tokens (sign-in answer) and schedules their renewal. */
  accept(answer: TokenAnswer): void {
    this.#token = answer.token;
    this.#tokenExpiresAt = Date.parse(answer.tokenExpiresAt);
    this.storage.setItem(
      STORAGE_KEY,
      JSON.stringify({ refreshToken: answer.refreshToken, refreshExpiresAt: answer.refreshExpiresAt }),
    );
    this.#schedule();
    this.listener.renewed(answer);
  }

  /**
   * Renews now with the stored refresh token (page reload): resolves to the answer (also given
   * to `renewed`), or null when there is no stored token.
   * @throws SessionApiError when the server refused the token (then it is forgotten); fetch's
   * errors when the server cannot be reached (the stored token is kept).
   */
  async restore(): Promise<TokenAnswer | null> {
    if (!this.restorable) return null;
    try {
      return await this.#renew();
    } catch (err) {
      if (err instanceof SessionApiError) this.clear();
      throw err;
    }
  }

  /** Forgets both tokens and stops renewing (sign-out, or the session ended). */
  clear(): void {
    window.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#token = null;
    this.#tokenExpiresAt = 0;
    this.storage.removeItem(STORAGE_KEY);
  }

  #stored(): { refreshToken: string; refreshExpiresAt: string } | null {
    const text = this.storage.getItem(STORAGE_KEY);
    if (!text) return null;
    try {
      const stored = JSON.parse(text) as { refreshToken?: unknown; refreshExpiresAt?: unknown };
      if (typeof stored.refreshToken !== 'string' || typeof stored.refreshExpiresAt !== 'string') return null;
      if (!(Date.parse(stored.refreshExpiresAt) > Date.now())) return null;
      return { refreshToken: stored.refreshToken, refreshExpiresAt: stored.refreshExpiresAt };
    } catch {
      // Not ours or corrupted: as if there were none (it is replaced at the next sign-in).
      return null;
    }
  }

  #schedule(): void {
    window.clearTimeout(this.#timer);
    const left = this.#tokenExpiresAt - Date.now();
    const delay = Math.max(MIN_DELAY_MS, left - RENEW_AHEAD_MS, left * 0.8);
    this.#timer = window.setTimeout(() => void this.#scheduledRenew(), delay);
  }

  async #scheduledRenew(): Promise<void> {
    try {
      await this.#renew();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (err instanceof SessionApiError && err.status < 500) {
        this.clear();
        this.listener.lost(`session could not be renewed: ${why}`);
      } else if (this.#stored() !== null) {
        console.warn(`[session] token renewal failed, retrying in ${RETRY_MS / 1000} s: ${why}`);
        this.#timer = window.setTimeout(() => void this.#scheduledRenew(), RETRY_MS);
      } else {
        this.clear();
        this.listener.lost(`session could not be renewed before it expired: ${why}`);
      }
    }
  }

  /** One renewal at a time: a refresh token is single-use, two concurrent uses would revoke it. */
  #renew(): Promise<TokenAnswer> {
    this.#refreshing ??= (async () => {
      try {
        const stored = this.#stored();
        if (!stored) throw new SessionApiError(401, 'no refresh token (signed out, or it expired)');
        const answer = await this.refresh(stored.refreshToken);
        this.accept(answer);
        return answer;
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }
}
