import type { HelloData, RtmpEvent, StatsData } from '../camerad/CameradProtocol.js';
import type { CameradState } from '../camerad/CameradSupervisorTypes.js';

/**
 * The egress as the server sees it:
 * - `off`: not publishing (never started, or stopped);
 * - `connecting`: started; camerad is connecting to the ingest for the first time;
 * - `live`: bytes reach the ingest;
 * - `reconnecting`: the branch failed (ingest dropped or refused, camerad restarted): waiting
 *   for the next attempt (`next_retry_ms`) or connecting again.
 */
export type RtmpEgressState = 'off' | 'connecting' | 'live' | 'reconnecting';

/** What the egress needs of a camera ({@link Camera} has it). */
export interface RtmpCamera {
  readonly id: string;
  /** Starts camerad's RTMP branch. @throws CameradError `busy`/`bad_request`, InvalidStateError. */
  startRtmp(url: string): Promise<{ state: 'connecting' }>;
  /** Stops it. @throws CameradError `not_streaming`, InvalidStateError. */
  stopRtmp(): Promise<{ bytes_sent: number }>;
  /** camerad's `rtmp` notifications. @returns a remover. */
  onRtmp(listener: (event: RtmpEvent) => void): () => void;
  /** Each camerad hello (a camerad (re)start). @returns a remover. */
  onRestarted(listener: (hello: HelloData) => void): () => void;
  /** camerad's state changes. @returns a remover. */
  onState(listener: (state: CameradState) => void): () => void;
  /** camerad's `stats` notifications (`rtmp_bytes`). @returns a remover. */
  onCameradStats(listener: (stats: StatsData) => void): () => void;
}

/** Jitter fraction of each reconnect delay when {@link RtmpEgressOptions.backoffJitter} is omitted. */
export const BACKOFF_JITTER = 0.2;
/** How long a connection stays live before the backoff starts over, ms, unless given. */
export const BACKOFF_RESET_AFTER_MS = 10_000;

/** Options of {@link RtmpEgress}. */
export interface RtmpEgressOptions {
  /** First retry delay after a failure, ms (`livepeer.backoffInitialMs`). */
  backoffInitialMs: number;
  /** Largest retry delay, ms (`livepeer.backoffMaxMs`). */
  backoffMaxMs: number;
  /** Jitter fraction of each delay, [0, 1). Not a setting (tests set 0): default {@link BACKOFF_JITTER}. */
  backoffJitter?: number;
  /**
   * A connection that stayed live this long starts the backoff over, ms. Not a setting: default
   * {@link BACKOFF_RESET_AFTER_MS}.
   */
  backoffResetAfterMs?: number;
}

/**
 * One egress's status, safe to return and log: no stream key in it (errors are redacted, the
 * ingest is shown as host only).
 */
export interface RtmpStatus {
  camera: string;
  state: RtmpEgressState;
  /** `host[:port]` of the ingest, null when off and never started. */
  ingest_host: string | null;
  /** FLV bytes handed to the ingest since start, all connections together. */
  bytes_sent: number;
  /** When start was called, ms since the Unix epoch; null when off. */
  started_at: number | null;
  /** Time since start, ms; null when off. */
  uptime_ms: number | null;
  /** Time the current connection has been live, ms; null unless live. */
  live_ms: number | null;
  /** Connection attempts after the first one (each one after a failure), since start. */
  reconnects: number;
  /** Times the stream went live again after being lost, since start. */
  recoveries: number;
  /** The latest failure, redacted; null when there was none since start. */
  last_error: string | null;
  /** When reconnecting and waiting: ms until the next attempt; null otherwise. */
  next_retry_ms: number | null;
}

export type RtmpEgressEvents = {
  /** The state changed, or a failure/attempt changed the counters. */
  state: [RtmpStatus];
};
