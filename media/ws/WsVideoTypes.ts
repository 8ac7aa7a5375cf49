import type { RtpListener } from '../rtp/RtpIngest.js';

/**
 * One H.264 access unit (one picture) as the WebSocket path carries it (docs/websocket-video.md).
 */
export interface AccessUnit {
  /** Contains an IDR slice (NAL type 5): a decoder can start here. */
  keyframe: boolean;
  /** Access units were lost or dropped before this one (an RTP gap): the first after it is a keyframe. */
  discontinuity: boolean;
  /** Presentation time, µs: the unwrapped RTP timestamp × 1e6 ÷ 90 000. */
  timestampUs: number;
  /** Server wall-clock time when the access unit was complete, ms since the Unix epoch. */
  receivedAtMs: number;
  /** The NAL units in AVC form (each prefixed by its 4-byte big-endian length), SPS, PPS and AUD left out. */
  avc: Buffer;
  /** The SPS and PPS this access unit carried (camerad sends them before every IDR), if any. */
  sps?: Buffer;
  pps?: Buffer;
}

/** Counters of an {@link H264Depacketizer} since it was made. */
export interface DepacketizerStats {
  packets: number;
  accessUnits: number;
  /** Sequence number gaps seen (each drops until the next keyframe). */
  gaps: number;
  /** Access units dropped: incomplete, over a size bound, or while waiting for a keyframe. */
  droppedAccessUnits: number;
  /** Packets not understood (STAP-B, MTAP, FU-B, FU-A without its start, too short). */
  badPackets: number;
}

/** The codec configuration message (docs/websocket-video.md, message 1). */
export interface WsVideoConfigMessage {
  type: 'config';
  version: 1;
  codec: string;
  width: number;
  height: number;
  /** Base64 AVCDecoderConfigurationRecord. */
  description: string;
}

/** The camera as the WebSocket path needs it (implemented by media/camera/Camera.ts). */
export interface WsVideoCamera {
  readonly id: string;
  /** camerad is connected and sends RTP. */
  readonly running: boolean;
  /**
   * Adds a listener of the camera's normalised RTP packets (the same Buffer every listener gets:
   * read it synchronously, never keep or change it) and of source restarts.
   * @returns a function that removes both.
   */
  subscribeRtp(listener: RtpListener, onRestart?: () => void): () => void;
  /** Asks the encoder for an IDR (rate-limited by the camera). */
  requestKeyframe(reason: 'ws-viewer-join'): void;
}

/** Counters of one WebSocket viewer (`GET /api/cameras/:camera/viewers`, `ws_viewers`). */
export interface WsViewerStats {
  id: string;
  /** Client address (after `server.trustProxy`). */
  address: string;
  /** When it connected, ms since the Unix epoch. */
  connectedAt: number;
  /** Access units handed to the socket. */
  sent: number;
  /** Bytes of those (messages including their 20-byte header). */
  sentBytes: number;
  /** Access units dropped (skips to the next keyframe). */
  droppedAccessUnits: number;
  droppedBytes: number;
  /** Times the queue overflowed and the viewer skipped to the next keyframe. */
  skips: number;
  /** Largest queue seen, bytes (the socket's unwritten bytes plus the viewer's own queue); never above `queueBytes`. */
  maxQueueBytes: number;
  /** Queue now, bytes. */
  queueBytes: number;
  /** The bound, bytes (`websocket.queueBytes`). */
  queueLimitBytes: number;
}
