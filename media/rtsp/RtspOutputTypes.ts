import type { RtpListener } from '../rtp/RtpIngest.js';
import type { KeyframeReason } from '../sfu/SfuTypes.js';

/** A camera as the RTSP output needs it (media/camera/Camera.ts). */
export interface RtspCamera {
  readonly id: string;
  /** The camera's normalised RTP (one SSRC, continuous sequence numbers); returns an unsubscribe. */
  subscribeRtp(listener: RtpListener, onRestart?: () => void): () => void;
  /** Asks camerad for an IDR (rate-limited by the camera). */
  requestKeyframe(reason: KeyframeReason): void;
}

/**
 * State of rtspd: `off` (disabled), `starting` (spawned, not yet listening), `running`,
 * `restarting` (exited; the next start is scheduled), `failed` (bad configuration or cannot
 * listen: not retried until the server restarts for a bad configuration), `closed`.
 */
export type RtspState = 'off' | 'starting' | 'running' | 'restarting' | 'failed' | 'closed';

/** One camera's mount as `/api/status` shows it. */
export interface RtspMountStatus {
  camera: string;
  /** Path on the RTSP server, e.g. `/sample`. */
  path: string;
  /** RTSP clients playing this camera now. */
  clients: number;
}

/** The RTSP output in `/api/status` (`rtsp`). Never holds a password. */
export interface RtspStatus {
  state: RtspState;
  /** Address rtspd listens on. */
  host: string;
  /** Bound TCP port; null until rtspd listens. */
  port: number | null;
  /** Connections that sent valid credentials, counted against `maxClients` (refused ones are not). */
  clients: number;
  maxClients: number;
  /** Connections without valid credentials yet (bounded by `maxPendingClients`, closed after `authTimeoutS`). */
  pending_clients: number;
  mounts: RtspMountStatus[];
  /**
   * Connections refused since start: past `maxClients` when they authenticated, past
   * `maxPendingClients` or `maxPendingPerAddress` when they connected, or without valid
   * credentials after `authTimeoutS`.
   */
  refused_clients: number;
  /** Clients rtspd dropped since start (stopped reading, session timed out). */
  dropped_clients: number;
  /** rtspd's process id while it runs. */
  pid: number | null;
  /** rtspd restarts since start. */
  restarts: number;
  last_error: string | null;
}
