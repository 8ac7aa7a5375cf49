import type { Logger } from 'pino';
import { type LivepeerPlayback, livepeerIngestHost, livepeerPlayback, livepeerPublishUrl } from './livepeer.js';
import type { LivepeerConfig } from './livepeerConfig.js';
import { RtmpEgress } from './RtmpEgress.js';
import type { RtmpCamera, RtmpEgressState, RtmpStatus } from './RtmpEgressTypes.js';
import { StreamKeyRedactor } from './StreamKeyRedactor.js';

/** `stream:state` as the event hub sends it (server/events/EventCatalogue.ts `StreamStateEvent`). */
export interface StreamStatePayload {
  cameraId: string;
  state: RtmpEgressState;
  bytesSent: number;
  reconnects: number;
  error: string | null;
  retryInMs: number | null;
  at: number;
}

/** Where `stream:state` events go (the EventHub: every socket at the camera). */
export interface StreamStateSink {
  emitCamera(event: 'stream:state', payload: StreamStatePayload): void;
}

/** The Livepeer side as the HTTP routes show it (never the stream key). */
export interface LivepeerView {
  /** A stream key is configured. */
  configured: boolean;
  /** `host[:port]` of the ingest, null when its URL is not valid. */
  ingest_host: string | null;
  /** Playback URLs, null without a playback id (or with a malformed one). */
  playback: LivepeerPlayback | null;
}

/** What {@link createRtmp} returns. */
export interface Rtmp {
  /** One egress per camera, by camera id. */
  readonly egresses: ReadonlyMap<string, RtmpEgress>;
  /** Knows the stream key and the publish URL; hand `redactor.redact` to anything that logs camerad's text. */
  readonly redactor: StreamKeyRedactor;
  /** Configured state, ingest host and playback URLs. */
  readonly livepeer: LivepeerView;
  /** The configured default camera (`livepeer.camera`), if any. */
  readonly camera: string | undefined;
  /**
   * The Livepeer publish URL (`<ingestUrl>/<streamKey>`): pass it to an egress, never show it.
   * @throws LivepeerConfigError naming the configuration field (no stream key, bad ingest URL).
   */
  publishUrl(): string;
  /** Every egress's status (redacted), in camera order. */
  status(): RtmpStatus[];
  /** Stops every egress (camerad finishes the branches). Idempotent. */
  close(): Promise<void>;
}

/**
 * A redactor that knows the configured stream key and publish URL. Create it before the
 * cameras to hand `redactor.redact` to their camerad supervisors (stderr lines, `log`
 * notifications); pass it to {@link createRtmp} as `redactor`.
 */
export function createStreamKeyRedactor(config: Pick<LivepeerConfig, 'ingestUrl' | 'streamKey'>): StreamKeyRedactor {
  const redactor = new StreamKeyRedactor();
  const key = config.streamKey?.trim() ?? '';
  if (key !== '') {
    redactor.addSecret(key);
    try {
      redactor.addUrl(livepeerPublishUrl(config));
    } catch {
      // An invalid ingest URL: the key alone is still redacted; starting reports the field.
    }
  }
  return redactor;
}

/**
 * The RTMP egress of every camera, with the Livepeer settings: `publishUrl()` builds the URL,
 * each egress publishes and reconnects on its own, its state changes go to `events` as
 * `stream:state`, and everything shown goes through one {@link StreamKeyRedactor}.
 */
export function createRtmp(opts: {
  cameras: ReadonlyMap<string, RtmpCamera>;
  /** The `livepeer` section after defaults (media/rtmp/livepeerConfig.ts). */
  config: LivepeerConfig;
  logger: Logger;
  /** Default: a new one from {@link createStreamKeyRedactor}. */
  redactor?: StreamKeyRedactor;
  /** Where each egress's state changes go, as `stream:state` (wiring hands the event hub in). */
  events: StreamStateSink;
}): Rtmp {
  const { config } = opts;
  const redactor = opts.redactor ?? createStreamKeyRedactor(config);
  const egresses = new Map<string, RtmpEgress>();
  for (const [id, camera] of opts.cameras) {
    const options = { backoffInitialMs: config.backoffInitialMs, backoffMaxMs: config.backoffMaxMs };
    egresses.set(id, new RtmpEgress(camera, redactor, opts.logger, options));
  }
  for (const egress of egresses.values()) {
    egress.on('state', (status) =>
      opts.events.emitCamera('stream:state', {
        cameraId: status.camera,
        state: status.state,
        bytesSent: status.bytes_sent,
        reconnects: status.reconnects,
        error: status.last_error,
        retryInMs: status.next_retry_ms,
        at: Date.now(),
      }),
    );
  }
  let playback: LivepeerPlayback | null = null;
  try {
    playback = livepeerPlayback(config);
  } catch (error) {
    opts.logger.warn({ module: 'rtmp', error: (error as Error).message }, 'no Livepeer playback URLs');
  }
  const livepeer: LivepeerView = {
    configured: (config.streamKey?.trim() ?? '') !== '',
    ingest_host: livepeerIngestHost(config),
    playback,
  };
  let closing: Promise<void> | undefined;
  return {
    egresses,
    redactor,
    livepeer,
    camera: config.camera,
    publishUrl: () => {
      const url = livepeerPublishUrl(config);
      redactor.addUrl(url);
      return url;
    },
    status: () => [...egresses.values()].map((egress) => egress.status()),
    close: () => {
      closing ??= Promise.all([...egresses.values()].map((egress) => egress.close())).then(() => undefined);
      return closing;
    },
  };
}
