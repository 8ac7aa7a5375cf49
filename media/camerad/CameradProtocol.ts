/**
 * Message shapes of camerad's control protocol, version 1 (native/PROTOCOL.md).
 * Notifications are one discriminated union on `event`.
 */

/** Protocol version this client speaks; a different `hello.protocol` is refused. */
export const PROTOCOL_VERSION = 1;

/** State of the camera source as camerad sees it. */
export type SourceState = 'starting' | 'live' | 'lost';

/** First notification on every connection. */
export interface HelloData {
  protocol: number;
  camerad: string;
  camera: string;
  pid: number;
  source: string;
  /** GStreamer element name of the H.264 encoder, e.g. `x264enc`. */
  encoder: string;
  /** Output size in px. */
  width: number;
  height: number;
  /** Output frame rate in frames per second. */
  fps: number;
  bitrate_kbps: number;
  /** Frames between periodic IDRs. */
  keyframe_interval: number;
  rtp: { host: string; port: number; ssrc: number; payload_type: number; clock_rate: number };
  source_state: SourceState;
  /** The latency probe strip is drawn (docs/latency-probe.md). */
  latency_probe: boolean;
}

/** Periodic counters (every `--stats-interval-ms`), also the result of the `stats` request. */
export interface StatsData {
  uptime_ms: number;
  frames_in: number;
  frames_out: number;
  fps_in: number;
  fps_out: number;
  bytes_out: number;
  bitrate_kbps: number;
  /** IDR frames encoded since start. */
  keyframes: number;
  keyframe_requests: number;
  source_state: SourceState;
  /** The latency probe strip is drawn (docs/latency-probe.md). */
  latency_probe: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every notification camerad sends, in order. */
export type Notification =
  | { event: 'hello'; data: HelloData }
  | { event: 'stats'; data: StatsData }
  | { event: 'log'; data: { level: LogLevel; message: string } }
  | { event: 'source_lost'; data: { reason: string } }
  | { event: 'source_recovered'; data: { after_ms: number } };

/** Requests and their results: `{ method: [params, result] }`. */
export interface Methods {
  ping: [Record<string, never>, Record<string, never>];
  keyframe: [Record<string, never>, { keyframe_requests: number }];
  stats: [Record<string, never>, StatsData];
  shutdown: [Record<string, never>, Record<string, never>];
  /** Switches the latency probe strip on or off. */
  probe: [{ enabled: boolean }, { enabled: boolean }];
}

/** camerad's exit codes (native/PROTOCOL.md, "Exit codes"). */
export const ExitCode = {
  clean: 0,
  configurationError: 2,
  fatal: 3,
} as const;
