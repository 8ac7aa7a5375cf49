/**
 * The Livepeer settings cannot make a publish URL (no stream key, an ingest URL that is not
 * `rtmp://`/`rtmps://`, a malformed playback id). `field` names the configuration field, e.g.
 * `livepeer.streamKey`; the message never contains the stream key.
 */
export class LivepeerConfigError extends Error {
  override name = 'LivepeerConfigError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}
