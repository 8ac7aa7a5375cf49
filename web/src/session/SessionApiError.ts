/**
 * A non-2xx answer of the session API. The server sends `{ "error": <message>, "field"?: <name> }`
 * (server/http/errorMiddleware.ts); `message` is that text, `field` the offending input if named.
 */
export class SessionApiError extends Error {
  /**
   * @param status HTTP status code.
   * @param message the server's error text (or the status line when it sent none).
   * @param field the request field the server blamed, if any.
   */
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'SessionApiError';
  }

  /** True for 401: the session token is missing, expired or revoked. */
  get unauthorised(): boolean {
    return this.status === 401;
  }

  /** Reads the server's JSON error out of a failed response (falls back to the status line). */
  static async fromResponse(res: Response): Promise<SessionApiError> {
    let message = `${res.status} ${res.statusText}`.trim();
    let field: string | null = null;
    try {
      const body = (await res.json()) as unknown;
      if (body && typeof body === 'object') {
        const { error, field: named } = body as { error?: unknown; field?: unknown };
        if (typeof error === 'string' && error) message = error;
        if (typeof named === 'string' && named) field = named;
      }
    } catch {
      // Not JSON (a proxy's error page): the status line will do.
    }
    return new SessionApiError(res.status, message, field);
  }
}
