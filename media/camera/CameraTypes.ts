import type { CameradState } from '../camerad/CameradSupervisorTypes.js';
import type { SourceState } from '../camerad/CameradProtocol.js';

/** What `GET /api/status` reports for one camera. */
export interface CameraStatus {
  id: string;
  name: string;
  /** Source URI as configured, e.g. `file:///…/Megamind.avi`. */
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
}
