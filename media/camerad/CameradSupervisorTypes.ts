import type { HelloData, RecordingEvent, RtmpEvent, StatsData } from './CameradProtocol.js';
import type { Picture } from './PictureMessage.js';

/**
 * Acknowledges one analysis frame on the connection it came from (a no-op once that connection
 * is gone: a restarted camerad has nothing in flight). Resolves whether camerad took it.
 */
export type AnalysisAck = () => Promise<boolean>;

/**
 * How the server reaches camerad.
 * - `spawn`: the server starts camerad itself and restarts it with backoff after a crash
 *   (never after exit code 2, a configuration error).
 * - `attach`: camerad is started by someone else (entrypoint.sh, systemd); the server connects
 *   to its control socket and reconnects whenever the socket goes away.
 */
export type CameradMode = 'spawn' | 'attach';

/** Lifecycle of one camera's camerad as the server sees it. */
export type CameradState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

/** Options of {@link CameradSupervisor}. */
export interface CameradSupervisorOptions {
  /** Camera id, used in logs. */
  cameraId: string;
  mode: CameradMode;
  /** Path of the camerad executable (spawn mode). */
  binary: string;
  /** Full argv after the binary (spawn mode); built by `cameradArgs()`. Holds no secret. */
  args: string[];
  /**
   * The source file camerad reads (`--source-file` in `args`): written with mode 0600 before each
   * spawn (spawn mode; in attach mode whoever starts camerad writes it). Its folder must exist and
   * should be private (0700). Omitted: `args` carry the source themselves (`--source`, tests).
   */
  sourceFile?: { path: string; source: string } | undefined;
  /** Unix socket camerad listens on (`--control`). */
  socketPath: string;
  /** First restart/reconnect delay in ms (`camerad.backoffInitialMs`). */
  backoffInitialMs: number;
  /** Largest restart/reconnect delay in ms (`camerad.backoffMaxMs`). */
  backoffMaxMs: number;
  /** A camerad that ran this long without crashing resets the backoff, in ms. Default 10000. */
  backoffResetAfterMs?: number;
  /** Time camerad may take to open its socket after being spawned, in ms. Default 10000. */
  startTimeoutMs?: number;
  /**
   * Applied to every camerad log line, argument and error before it is logged or kept (camerad
   * redacts RTMP stream keys and source credentials itself; this is the second line of defence).
   * Default: identity.
   */
  redact?: (text: string) => string;
}

export type CameradSupervisorEvents = {
  /** Each (re)connection's hello: camerad's settings, encoder, SSRC. */
  hello: [HelloData];
  stats: [StatsData];
  sourcelost: [string];
  sourcerecovered: [number];
  state: [CameradState];
  /**
   * An analysis frame (kind 4). camerad sends the next one only after the ack is called: a
   * listener owns the flow and must call it exactly once (Camera does so after its own listeners).
   */
  analysis: [Picture, AnalysisAck];
  /** A JPEG still (kind 5); `requestId` is the variant (1 clean, 2 overlays). */
  still: [Picture];
  /** The recording branch changed state. */
  recording: [RecordingEvent];
  /** The RTMP branch changed state. */
  rtmp: [RtmpEvent];
};
