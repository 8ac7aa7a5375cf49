import type { CameradState } from '../camerad/CameradSupervisorTypes.js';
import type { SourceState } from '../camerad/CameradProtocol.js';

/** What `GET /api/status` reports for one camera. */
export interface CameraStatus {
  id: string;
  name: string;
  /** The source URI with its credentials masked (`rtsp://user:***@host/...`, see maskSourceUrl). */
  source: string;
  state: CameradState;
  /** Encoder element camerad chose (`x264enc`, `nvh264enc`, `nvv4l2h264enc`), null before hello. */
  encoder: string | null;
  /** Output size in px. */
  width: number;
  height: number;
  /** Frames per second encoded over the last stats interval; null before stats. */
  fps: number | null;
  /** Encoder output bitrate over the last stats interval, kbit/s; null before stats. */
  bitrate_kbps: number | null;
  /** Keyframes requested of the running camerad (its counter, reset when it restarts). */
  keyframe_requests: number;
  /** IDR frames encoded by the running camerad. */
  keyframes: number;
  source_state: SourceState | null;
  /** Connected and connecting WebRTC viewers. */
  viewers: number;
  /** camerad restarts (spawn mode) or reconnects (attach mode) since the server started. */
  restarts: number;
  /** RTP received by the server for this camera, kbit/s. */
  ingest_kbps: number;
  /** PID of the running camerad, null when none is connected. */
  pid: number | null;
  /** Frames camerad has encoded since it started. */
  frames_out: number;
  /** The latency probe strip is drawn into the video (docs/latency-probe.md); null before hello. */
  latency_probe: boolean | null;
  /** WHEP endpoint of this camera. */
  whep: string;
  last_error: string | null;
  /** Why the source was lost (camerad's source_lost reason); null while it is live. */
  source_lost_reason: string | null;
  /** dir:// cameras (host capture): the folder's images; absent for other sources. */
  host_capture?: HostCaptureStatus;
}

/** What `/api/status` shows of a dir:// camera's folder (from camerad's `stats.dir`). */
export interface HostCaptureStatus {
  layout: 'host-capture' | 'flat';
  metadata: boolean;
  /** Age of the image shown now, ms (from its metadata capture time, else its file time); null before one. */
  image_age_ms: number | null;
  /** Capture time of the image shown now, ISO 8601; null before one. */
  captured_at: string | null;
  last_sequence: number | null;
  /** Images captured in the last minute (the capture rate, per minute). */
  captures_last_minute: number;
  /** Captures missing from the sequence numbers, total. */
  gaps: number;
  /** Images rejected (SHA-256 mismatch, bad metadata, undecodable), total, and why the last was. */
  rejected: number;
  last_rejection: string | null;
  /** host-capture's own report (its status file in the folder); null when there is none. */
  service: HostCaptureService | null;
}

/** What host-capture reports of itself (tools/host-capture `--status`), as `/api/status` shows it. */
export interface HostCaptureService {
  /** `running`, `backoff` (retrying a failed capture), `stopped`. */
  state: string;
  /** Failed captures in a row (0 after a success). */
  consecutive_failures: number;
  /** When host-capture last wrote its status, ISO 8601, and how long ago, ms. */
  updated_at: string;
  updated_age_ms: number;
  /** Its capture interval, s. */
  interval_s: number;
  /** The last failure: when, why, the command's exit code, and the last line of its stderr. */
  last_error: { time: string; reason: string; exit_code: number | null; stderr: string | null } | null;
}

/**
 * One analysis frame: the clean source picture (no overlays, no probe strip), scaled to the
 * analysis size and packed RGB24. Structurally an `RgbImage` of server/vision (`data`).
 */
export interface AnalysisFrame {
  /** Source frame number: rises by one per source frame, so gaps are skipped frames. */
  frame: number;
  /** Capture time, ms since the Unix epoch (camerad's clock, the latency probe's). */
  captureTimeMs: number;
  width: number;
  height: number;
  /** Bytes per row (width × 3). */
  stride: number;
  /** The pixels, R G B per pixel, rows `stride` bytes apart. Valid until the listener settles. */
  rgb: Buffer;
  /** The same buffer as `rgb`. */
  data: Buffer;
}

/**
 * Receives analysis frames. The next frame is requested from camerad only after every
 * listener's returned promise settled, so at most one frame is in flight end to end.
 */
export type AnalysisListener = (frame: AnalysisFrame) => Promise<void> | void;

/** Options of `Camera.grab`. */
export interface GrabOptions {
  /** `jpeg` (default) or `rgb` (packed RGB24, full output size). */
  format?: 'rgb' | 'jpeg';
  /** The picture as encoded (overlays and probe strip drawn) instead of the clean one. Default false. */
  overlays?: boolean;
  /** JPEG quality 1..100. Default 85. */
  quality?: number;
}

/** A full-size frame from `Camera.grab`. */
export interface GrabbedFrame {
  format: 'rgb' | 'jpeg';
  width: number;
  height: number;
  /** Bytes per row for RGB; 0 for JPEG. */
  stride: number;
  /** The JPEG file, or the RGB24 pixels. */
  data: Buffer;
  /** Source frame number (0 for the NO SIGNAL picture). */
  frame: number;
  /** Capture time, ms since the Unix epoch (NO SIGNAL: when it was made). */
  captureTimeMs: number;
  /** Overlay boxes are in the picture. */
  overlays: boolean;
  /** The NO SIGNAL picture: the source was not live. */
  noSignal: boolean;
}

/** A full-size JPEG still of a still stream (`Camera.setStills`). */
export interface Still {
  variant: 'clean' | 'overlays';
  /** One baseline JFIF file (a view into the message: copy it to keep it past the listener call). */
  jpeg: Buffer;
  /** Source frame number (0 for the NO SIGNAL picture). */
  frame: number;
  /** Capture time, ms since the Unix epoch. */
  captureTimeMs: number;
  width: number;
  height: number;
  /** Overlay boxes are in the picture. */
  overlays: boolean;
}

/** Receives stills synchronously; must only queue them. */
export type StillListener = (still: Still) => void;
