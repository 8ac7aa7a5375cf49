/**
 * A non-2xx HTTP answer from the media server. The server sends errors as
 * JSON `{"error": "<message>"}`; `message` holds that text when present.
 */
export class HttpError extends Error {
  /** HTTP status code, e.g. 401, 404, 503. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }

  /** True when retrying later may help (server overloaded/restarting). */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 404 || this.status === 408 || this.status === 429;
  }

  /** True when the request lacked a valid bearer token. */
  get unauthorised(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /**
   * Builds an HttpError from a failed response, reading the server's JSON
   * error message if there is one (falls back to the status text).
   */
  static async fromResponse(res: Response): Promise<HttpError> {
    let message = `${res.status} ${res.statusText}`.trim();
    try {
      const body = (await res.json()) as unknown;
      if (body && typeof body === 'object' && 'error' in body) {
        const text = (body as { error: unknown }).error;
        if (typeof text === 'string' && text) message = `${res.status}: ${text}`;
      }
    } catch {
      // Body was not JSON (e.g. a proxy error page): the status line will do.
    }
    return new HttpError(res.status, message);
  }
}
