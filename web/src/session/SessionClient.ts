import { SessionApiError } from './SessionApiError';
import type {
  BuiltTransaction,
  ChallengeAnswer,
  SessionConfig,
  SessionConsent,
  SessionView,
  SubmitAnswer,
  TokenAnswer,
} from './SessionTypes';

/** Timeout of an ordinary session request, ms. */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Timeout of `POST /api/session/submit`, ms: the server answers once the transaction is confirmed
 * (its `chain.confirmTimeoutMs`, 60 s by default), so wait a little longer than that.
 */
const SUBMIT_TIMEOUT_MS = 90_000;

/**
 * HTTP client of the session API (`/api/session/*`, requested relative to the page). Session calls carry the session JWT as
 * `Authorization: Bearer <token>`; this is NOT the deployment token of the page's `?token=`
 * (`ApiClient`), which guards WHEP and status.
 *
 * Every method throws `SessionApiError` on a non-2xx answer, and fetch's TypeError/AbortError
 * ("TimeoutError") on a network failure or timeout.
 */
export class SessionClient {
  /**
   * @param token returns the current session JWT, or null when signed out.
   * @param base URL the API paths are resolved against (the page URL).
   */
  constructor(
    private readonly token: () => string | null,
    private readonly base: string = window.location.href,
  ) {}

  /** `GET /api/session/config`: whether check-in is possible, and the cluster. */
  config(): Promise<SessionConfig> {
    return this.request('GET', 'api/session/config', undefined, false);
  }

  /** `POST /api/session/challenge`: a SIWS request for `wallet` (base58) at `cameraId`. */
  challenge(wallet: string, cameraId: string): Promise<ChallengeAnswer> {
    return this.request('POST', 'api/session/challenge', { wallet, cameraId }, false);
  }

  /**
   * `POST /api/session/signin`.
   * @param message the SIWS message text the wallet signed (UTF-8).
   * @param signature base58 Ed25519 signature of the message's UTF-8 bytes.
   */
  signIn(message: string, signature: string): Promise<TokenAnswer> {
    return this.request('POST', 'api/session/signin', { message, signature }, false);
  }

  /** `POST /api/session/refresh`: trades a (single-use) refresh token for new tokens. */
  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.request('POST', 'api/session/refresh', { refreshToken }, false);
  }

  /** `GET /api/session`: the signed-in session. */
  async session(): Promise<SessionView> {
    return (await this.request<{ session: SessionView }>('GET', 'api/session')).session;
  }

  /** `POST /api/session/end`: ends the signed-in session on the server (sign-out). */
  async end(): Promise<SessionView> {
    return (await this.request<{ session: SessionView }>('POST', 'api/session/end', {})).session;
  }

  /** `POST /api/session/checkin/tx`: the check-in transaction for the wallet to sign. */
  checkinTransaction(consent: SessionConsent): Promise<BuiltTransaction> {
    return this.request('POST', 'api/session/checkin/tx', consent);
  }

  /** `POST /api/session/checkout/tx`: the check-out transaction for the wallet to sign. */
  checkoutTransaction(): Promise<BuiltTransaction> {
    return this.request('POST', 'api/session/checkout/tx', {});
  }

  /** `POST /api/session/submit`: sends a signed transaction (base64 wire format); answers once confirmed. */
  submit(transaction: string): Promise<SubmitAnswer> {
    return this.request('POST', 'api/session/submit', { transaction }, true, SUBMIT_TIMEOUT_MS);
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    authorised = true,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (authorised) {
      const token = this.token();
      if (!token) throw new SessionApiError(401, 'not signed in');
      headers.Authorization = `Bearer ${token}`;
    }
    const res = await fetch(new URL(path, this.base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw await SessionApiError.fromResponse(res);
    return (await res.json()) as T;
  }
}
