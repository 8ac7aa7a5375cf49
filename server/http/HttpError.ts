/** An error that carries its HTTP status (mediasoup-demo style); `field` names bad input. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
