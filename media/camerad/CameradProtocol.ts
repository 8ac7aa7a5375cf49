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
  /** The source URI with its credentials masked (`rtsp://user:***@host/...`). */
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
  /**
   * Local UDP port camerad sends every RTP packet from (on 127.0.0.1 when `rtp.host` is a loopback
   * address); the ingest accepts packets from this port only. Missing from a camerad older than
   * this field.
   */
  rtp_source_port?: number;
  source_state: SourceState;
  /** The latency probe strip is drawn (docs/latency-probe.md). */
  latency_probe: boolean;
  /** Analysis frames per second now; 0 when analysis is off. */
  analysis_fps: number;
  /** Size of analysis frames in px (the output size fitted in `--analysis-width/height`). */
  analysis_width: number;
  analysis_height: number;
  /** What the program encode (WebRTC), the `overlays` stills and overlay grabs show. */
  overlays_private?: OverlayPolicy;
  /** What RTMP and recordings show. */
  overlays_public?: OverlayPolicy;
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
  /** Analysis frames per second now; 0 when analysis is off. */
  analysis_fps: number;
  /** Analysis frames sent, total. */
  analysis_frames: number;
  /** Analysis frames that fell due while the previous one was not acknowledged, total. */
  analysis_dropped: number;
  /** Number of the analysis frame sent and not acknowledged yet; 0 when none. */
  analysis_in_flight: number;
  /** Overlay items drawn now (not expired), all layers. */
  overlay_items: number;
  /** Overlay items drawn now per layer holding any (camerad with layers; absent before). */
  overlay_layers?: Record<OverlayLayer, number>;
  /** Grab requests answered with a picture, total. */
  grabs: number;
  /** H.264 encoders running now: 1, or 2 while a public output needs its own picture. */
  encoders?: number;
  /** JPEG stills sent (kind 5), total, both variants. */
  stills_sent?: number;
  /** Stills that fell due while the previous one of their variant was still encoding, total. */
  stills_dropped?: number;
  /** Mean time to make one still (I420 → RGB → JPEG) since camerad started, ms; 0 before the first. */
  stills_encode_ms?: number;
  /** Stills per second asked for now, per variant; 0 when off. */
  stills_fps?: { clean: number; overlays: number };
  /** A recording is being written. */
  recording?: boolean;
  /** Frames written to the current (or last) recording. */
  recording_frames?: number;
  rtmp_state?: 'off' | 'connecting' | 'live';
  /** FLV bytes handed to the RTMP ingest, total of the current branch. */
  rtmp_bytes?: number;
  /** Encoded frames the RTMP branch dropped (stalled ingest), total. */
  rtmp_dropped?: number;
  /** dir:// sources only: the folder's images (native/PROTOCOL.md, tools/host-capture/README.md). */
  dir?: DirSourceStats;
}

/** A dir:// source's figures in `stats` (native/src/DirSource.cpp). */
export interface DirSourceStats {
  /** `host-capture`: images are read from `<folder>/live`; `flat`: from the folder itself. */
  layout: 'host-capture' | 'flat';
  /** `<folder>/metadata` exists: capture times, sequence numbers and SHA-256 come from it. */
  metadata: boolean;
  /** Capture time of the image shown now (metadata, else file mtime), ms since the Unix epoch; null before one. */
  last_capture_ms: number | null;
  /** Sequence number of the image shown now (metadata); null without. */
  last_sequence: number | null;
  /** Images shown whose capture time is within the last 60 s. */
  images_last_minute: number;
  /** Captures missing between the sequence numbers of successive images, total. */
  gaps: number;
  /** Images not shown: SHA-256 mismatch, unreadable metadata, undecodable JPEG; total. */
  rejected: number;
  /** Images shown without a metadata file (it did not appear within 2 s of the image). */
  without_metadata: number;
  /** Why the last image was rejected; null once one is shown again. */
  last_rejection: string | null;
}

/**
 * What an output shows of the overlay items: `names` boxes and labels (the recognised person's
 * name), `boxes` the boxes without labels, `none` the clean picture.
 */
export type OverlayPolicy = 'names' | 'boxes' | 'none';

/** The two JPEG still streams: the clean picture, and the one with the private overlays. */
export type StillVariant = 'clean' | 'overlays';

/** Result of `stills`. */
export interface StillsState {
  variant: StillVariant;
  enabled: boolean;
  /** Stills per second. */
  fps: number;
  /** JPEG quality 1..100. */
  quality: number;
}

/** A finished recording (`record_stop` result, `recording` notification `stopped`). */
export interface RecordingResult {
  /** Absolute path of the MP4 file. */
  path: string;
  /** Frames written. */
  frames: number;
  /** File size in bytes. */
  bytes: number;
  /** Wall clock of the first written frame, µs since the Unix epoch. */
  started_us: number;
  /** Wall clock of the last written frame, µs since the Unix epoch. */
  stopped_us: number;
  /** `stopped_us - started_us` plus one frame interval, ms. */
  duration_ms: number;
}

/** `recording` notification: the branch's state changes. */
export interface RecordingEvent {
  state: 'recording' | 'stopped' | 'failed';
  path: string;
  frames: number;
  bytes: number;
  started_us?: number;
  stopped_us?: number;
  duration_ms?: number;
  /** `failed`: why (e.g. `No space left on device`). */
  error?: string;
}

/** `rtmp` notification: the RTMP branch's state changes (the stream key is never in it). */
export interface RtmpEvent {
  state: 'connecting' | 'live' | 'failed' | 'stopped';
  /** FLV bytes handed to the ingest by this branch. */
  bytes_sent: number;
  /** `failed`: why, with the stream key redacted. */
  error?: string;
}

/** Fields every overlay item has (method `overlays`, native/PROTOCOL.md "Overlays"). */
interface OverlayItemBase {
  /** Lets a later `replace: false` update of the same layer replace this item alone; 1..64 bytes. */
  id?: string;
  /** At most 64 characters; printable ASCII is drawn, other characters as `?`. */
  label?: string;
  /** `#rrggbb`. */
  color: string;
  /** The item disappears this long after camerad received it, ms (1..600000). */
  ttl_ms: number;
}

/**
 * A box outline. Its label is identity (a name): drawn only where the overlay policy is `names`;
 * the box itself where it is `boxes` or `names`.
 */
export interface OverlayBox extends OverlayItemBase {
  kind?: 'box';
  /** `[x, y, width, height]` in output pixels (camerad's `--width`/`--height`). */
  box: [number, number, number, number];
  /** Stroke width in px, 1..32 (drawn rounded up to even); default 2 px per 360 output rows. */
  thickness?: number;
}

/**
 * Filled discs at points (e.g. 21 hand landmarks). Not identity: the discs and the label are
 * drawn where the overlay policy is `boxes` or `names`, never `none`.
 */
export interface OverlayKeypoints extends OverlayItemBase {
  kind: 'keypoints';
  /** 1..64 points `[x, y]` in output pixels. */
  points: [number, number][];
  /** Disc radius in px, 1..32; default max(2, 2 px per 360 output rows). */
  radius?: number;
}

/**
 * A chain of line segments (e.g. a finger's bones). Not identity: follows the `boxes` policy like
 * keypoints.
 */
export interface OverlayPolyline extends OverlayItemBase {
  kind: 'polyline';
  /** 2..64 points `[x, y]` in output pixels. */
  points: [number, number][];
  /** Joins the last point to the first; default false. */
  closed?: boolean;
  /** Line width in px, 1..32; default 2 px per 360 output rows. */
  thickness?: number;
}

/** One overlay item (method `overlays`): a box (the default kind), keypoints or a polyline. */
export type OverlayItem = OverlayBox | OverlayKeypoints | OverlayPolyline;

/**
 * Name of an overlay layer: 1..32 characters a-z, 0-9, `_`, `-`. Each producer owns one; a request
 * replaces or merges within its own layer only. camerad holds at most 8 layers with items.
 */
export type OverlayLayer = string;

/** Result of `grab` (the picture itself comes in a kind-6 message). */
export interface GrabResult {
  frame: number;
  capture_time_us: number;
  width: number;
  height: number;
  format: 'rgb' | 'jpeg';
  /** Bytes per row (RGB); 0 for JPEG. */
  stride: number;
  bytes: number;
  /** Overlay boxes are in the picture. */
  overlays: boolean;
  /** The latency probe strip is in the picture. */
  latency_probe: boolean;
  /** The NO SIGNAL picture (the source was not live). */
  no_signal: boolean;
  /** Time camerad spent converting (and encoding) the picture, ms. */
  encode_ms: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every notification camerad sends, in order. */
export type Notification =
  | { event: 'hello'; data: HelloData }
  | { event: 'stats'; data: StatsData }
  | { event: 'log'; data: { level: LogLevel; message: string } }
  | { event: 'source_lost'; data: { reason: string } }
  | { event: 'source_recovered'; data: { after_ms: number } }
  | { event: 'recording'; data: RecordingEvent }
  | { event: 'rtmp'; data: RtmpEvent };

/** Requests and their results: `{ method: [params, result] }`. */
export interface Methods {
  ping: [Record<string, never>, Record<string, never>];
  keyframe: [Record<string, never>, { keyframe_requests: number }];
  stats: [Record<string, never>, StatsData];
  shutdown: [Record<string, never>, Record<string, never>];
  /** Switches the latency probe strip on or off. */
  probe: [{ enabled: boolean }, { enabled: boolean }];
  /** Switches analysis frames (kind 4) on or off; `fps` in (0, 60]. */
  analysis: [{ enabled: boolean; fps?: number }, { enabled: boolean; fps: number; width: number; height: number }];
  /** Acknowledges analysis frame `frame`, letting camerad send the next one. */
  analysis_ack: [{ frame: number }, { acked: boolean }];
  /** The next full-size output frame; the picture comes in a kind-6 message before the response. */
  grab: [{ format: 'rgb' | 'jpeg'; overlays?: boolean; quality?: number }, GrabResult];
  /**
   * Sets (`replace`, the default) or merges the overlay items of one layer (default `"default"`);
   * `items` in the result counts all layers, `layer_items` (only when `layer` was sent) that one.
   */
  overlays: [
    { items: OverlayItem[]; replace?: boolean; layer?: OverlayLayer },
    { items: number; layer?: OverlayLayer; layer_items?: number },
  ];
  /** Switches a JPEG still stream (kind 5) on or off; `fps` in (0, 30], `quality` 1..100. */
  stills: [{ variant: StillVariant; enabled: boolean; fps?: number; quality?: number }, StillsState];
  /** Starts writing a fragmented MP4 of the encoded stream to `path` (absolute, new file). */
  record_start: [{ path: string; fragment_ms?: number }, { path: string; fragment_ms: number }];
  /** Finishes the recording (the muxer gets end of stream). */
  record_stop: [Record<string, never>, RecordingResult];
  /** Starts publishing the encoded stream to an RTMP ingest (`rtmp://` or `rtmps://`). */
  rtmp_start: [{ url: string }, { state: 'connecting' }];
  rtmp_stop: [Record<string, never>, { bytes_sent: number }];
}

/**
 * Every method of {@link Methods}, as values (the conformance test sends each to camerad). The
 * `satisfies` makes the compiler fail when a method is added to or removed from one of the two.
 */
export const METHOD_NAMES = Object.keys({
  ping: true,
  keyframe: true,
  stats: true,
  shutdown: true,
  probe: true,
  analysis: true,
  analysis_ack: true,
  grab: true,
  overlays: true,
  stills: true,
  record_start: true,
  record_stop: true,
  rtmp_start: true,
  rtmp_stop: true,
} satisfies Record<keyof Methods, true>) as (keyof Methods)[];

/** Every notification event camerad sends (the `event` of {@link Notification}), as values. */
export const NOTIFICATION_EVENTS = Object.keys({
  hello: true,
  stats: true,
  log: true,
  source_lost: true,
  source_recovered: true,
  recording: true,
  rtmp: true,
} satisfies Record<Notification['event'], true>) as Notification['event'][];

/**
 * The error codes camerad answers with (`error.code` of a response with `ok: false`;
 * native/PROTOCOL.md, "Error codes used"; test/native/protocolConformance.test.ts checks this list
 * against that table and against the codes the C++ sources can send).
 */
export const CAMERAD_ERROR_CODES = [
  /** Malformed request, or a missing/invalid parameter; the message names the field. */
  'bad_request',
  /** No such method. */
  'unknown_method',
  /** `grab` with 4 grabs in progress; `record_start` while recording; `rtmp_start` while streaming. */
  'busy',
  /** `grab` whose picture would exceed the 16 MiB frame limit. */
  'too_large',
  /** The grabbed frame could not be converted or encoded. */
  'grab_failed',
  /** `record_stop` without a running recording. */
  'not_recording',
  /** `rtmp_stop` while RTMP is not running. */
  'not_streaming',
] as const;

/** An error code camerad answers with (see {@link CAMERAD_ERROR_CODES}). */
export type CameradErrorCode = (typeof CAMERAD_ERROR_CODES)[number];

/** Whether `code` is one of camerad's error codes. */
export function isCameradErrorCode(code: unknown): code is CameradErrorCode {
  return typeof code === 'string' && (CAMERAD_ERROR_CODES as readonly string[]).includes(code);
}

/** camerad's exit codes (native/PROTOCOL.md, "Exit codes"). */
export const ExitCode = {
  clean: 0,
  configurationError: 2,
  fatal: 3,
} as const;
