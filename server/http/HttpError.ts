/**
 * An error that carries its HTTP status (mediasoup-demo style); `field` names bad input;
 * `headers` are set on the error response (e.g. `Retry-After` on 429 and 503,
 * `WWW-Authenticate` on 401).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}
