/**
 * Shapes shared by the MJPEG module (media/mjpeg): the camera slice a hub needs, the frames it
 * fans out, options and statistics. See media/mjpeg/README.md.
 */

/** A stills variant of camerad's `stills` method: the clean picture or the one with overlays. */
export type StillVariant = 'clean' | 'overlays';

/** One JPEG still as `Camera.onStill` delivers it (the fields the MJPEG module reads). */
export interface MjpegStill {
  variant: StillVariant;
  /** One baseline JFIF image (valid during the listener call: the hub copies it once). */
  jpeg: Buffer;
  /** Source frame number. */
  frame: number;
  /** Capture time, ms since the Unix epoch (camerad's clock). */
  captureTimeMs: number;
  /** Picture size, px. */
  width: number;
  height: number;
}

/**
 * What an {@link MjpegHub} needs of a camera (media/camera/Camera.ts satisfies it): the stills
 * switch (kept by the camera across camerad restarts) and the stills listener.
 */
export interface MjpegCamera {
  readonly id: string;
  /** True when camerad is connected. */
  readonly running: boolean;
  /**
   * Switches one stills variant on or off in camerad; the camera keeps the wish and re-applies it
   * after a camerad restart.
   * @throws InvalidStateError when camerad is not connected; CameradError `bad_request`.
   */
  setStills(
    variant: StillVariant,
    opts: { enabled: boolean; fps?: number; quality?: number },
  ): Promise<{ variant: StillVariant; enabled: boolean; fps: number; quality: number }>;
  /** Adds a stills listener (both variants); returns the function that removes it. */
  onStill(listener: (still: MjpegStill) => void): () => void;
}

/**
 * One multipart part, built once per still and written to every client: `head` is the boundary
 * line and the part headers (ends with the blank line), then the JPEG, then CRLF.
 */
export interface MjpegPart {
  head: Buffer;
  jpeg: Buffer;
  /** Source frame number, for statistics. */
  frame: number;
}

/** Options of {@link MjpegClient}. */
export interface MjpegClientOptions {
  /** Identifies the client in statistics and logs. */
  id: string;
  /** Multipart boundary (without the leading `--`); 1..70 characters of RFC 2046's set. */
  boundary: string;
  /**
   * Parts kept waiting while the kernel has not taken the previous one; a new part beyond it replaces the oldest
   * waiting one (counted as dropped). Integer ≥ 1 (`outputs.mjpeg.queueFrames`).
   */
  queueFrames: number;
  /** Extra response headers (e.g. CORS headers already set by middleware are kept anyway). */
  headers?: Record<string, string>;
  /** Called once when the client closed (disconnect, error or `close()`). */
  onClose?: (client: { id: string }) => void;
}

/** Counters of one MJPEG client. */
export interface MjpegClientStats {
  id: string;
  /** ms since the Unix epoch when the client connected. */
  connectedAt: number;
  /** Remote address and port, e.g. `127.0.0.1:51234`. */
  remote: string;
  /** Parts waiting in the client's queue now (never above `queueBound`). */
  queued: number;
  /** Highest `queued` seen since the client connected. */
  maxQueued: number;
  /** The queue's bound (`queueFrames`). */
  queueBound: number;
  /** Parts handed to the socket. */
  sent: number;
  /** Parts dropped: replaced in the full queue by a newer one. */
  dropped: number;
  /** Bytes handed to the socket (multipart framing included, HTTP chunk framing not). */
  bytesSent: number;
  /** Bytes Node holds for the socket now, not yet in the kernel (`res.writableLength`). */
  socketBuffered: number;
  /** A part is in Node's socket buffer, not yet taken by the kernel (the client is behind). */
  writing: boolean;
}

/** Counters of one hub (one camera, one variant). */
export interface MjpegHubStats {
  camera: string;
  variant: StillVariant;
  /** camerad's variant is switched on (or will be once camerad is connected). */
  enabled: boolean;
  /** Configured stills rate, frames/s, and JPEG quality. */
  fps: number;
  quality: number;
  /** Stills received from camerad since the hub was created. */
  stills: number;
  /** Clients connected now. */
  clients: number;
  /** Parts dropped for slow clients since the hub was created (clients that left included). */
  dropped: number;
  /** Every client's counters. */
  clientStats: MjpegClientStats[];
}
