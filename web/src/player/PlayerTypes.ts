import type { LatencyProbe } from '../LatencyProbe';

/** Connection state shown in a tile's badge. */
export type PlayerState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped';

/**
 * Which path carries the video, best first:
 * - `janus`: a Janus Streaming mountpoint the server forwards to (docs/janus.md), through
 *   Janus's own janus.js, when the server has `outputs.janus.publicUrl`;
 * - `webrtc`: WHEP (RFC 9725) into the `<video>`;
 * - `websocket`: H.264 access units over a WebSocket (docs/websocket-video.md) decoded by WebCodecs
 *   (`VideoDecoder`, secure contexts only) onto a `<canvas>`;
 * - `mse`: the same access units muxed into fragmented MP4 for Media Source Extensions (`<video>`);
 * - `mjpeg`: the server's MJPEG stream in an `<img>`.
 */
export type PlayerPath = 'janus' | 'webrtc' | 'websocket' | 'mse' | 'mjpeg';

/** Every path, in the order the picker tries them. */
export const PLAYER_PATHS: readonly PlayerPath[] = ['janus', 'webrtc', 'websocket', 'mse', 'mjpeg'];

/** The elements a player draws into; the path playing shows its own and hides the others. */
export interface PlayerSurface {
  /** WebRTC and MSE. */
  video: HTMLVideoElement;
  /** WebCodecs. */
  canvas: HTMLCanvasElement;
  /** MJPEG. */
  img: HTMLImageElement;
}

/**
 * The common face of a camera player (web/src/player/PickingPlayer.ts), as pages, the custom
 * element and tests (`window.__viewer.players`, `<edge-camera>.player`) see it.
 */
export interface CameraPlayer {
  readonly cameraId: string;
  /** Badge state. */
  readonly state: PlayerState;
  /** The path playing or being tried; null before `start()`. */
  readonly path: PlayerPath | null;
  /** Connections torn down and tried again (from WebRTC) since the page loaded. */
  readonly reconnects: number;
  /** Frames decoded by the current path's session (WebRTC inbound-rtp, decoder outputs, MSE video, MJPEG pictures). */
  readonly framesDecoded: number;
  /**
   * Time from the start of the current connection (`start()` or a reconnect, WebRTC first) to its
   * first frame on screen, ms; null before that frame.
   */
  readonly firstFrameMs: number | null;
  /** Why the last attempt ended; null when none failed. */
  readonly lastError: string | null;
  /** Glass-to-glass latency of the frames shown, whatever the path (docs/latency-probe.md). */
  readonly latency: LatencyProbe;
  /** Starts playing (no-op when running). */
  start(): void;
  /** Stops for good (until `start()`); `keepalive` from `pagehide` so a WHEP DELETE outlives the page. Idempotent. */
  stop(keepalive?: boolean): void;
  /** Called on every state change. */
  onstatechange: ((state: PlayerState, reason: string | null) => void) | null;
}

/**
 * One attempt over one path, made and owned by the picker: it plays until it fails, then reports
 * once through `onfailure` and does nothing more. `close()` is idempotent and silent.
 */
export interface PathSession {
  readonly path: PlayerPath;
  /** Frames decoded so far. */
  readonly framesDecoded: number;
  /** Bytes of video received so far (0 where unknown). */
  readonly bytesReceived: number;
  /** Picture size in px; 0 before the first frame. */
  readonly width: number;
  readonly height: number;
  /** Called once with `performance.now()` when the first frame is on screen. */
  onfirstframe: ((at: number) => void) | null;
  /** Called at most once when the session can no longer play. */
  onfailure: ((reason: string) => void) | null;
  start(): void;
  close(keepalive?: boolean): void;
}
