/**
 * The socket.io event catalogue, shared by the server (`server/events/EventHub`) and the viewer
 * app (`web/`), types only. Every event names its camera; identity events (those that carry a
 * wallet) are delivered only to that wallet's own sockets and to the camera operator's, never to
 * anonymous subscribers.
 *
 * Connect with `io(origin, { auth: { token?: <session JWT>, cameraId?: <id> } })`; without a
 * token the socket joins the camera's public room only.
 */

/** A check-in or check-out found on chain by the watcher. */
export interface SessionChainEvent {
  cameraId: string;
  /** base58 address of the user's wallet. */
  wallet: string;
  /** base58 transaction signature. */
  signature: string;
  slot: number;
  /** Block time, ms since the Unix epoch (null when the RPC has none). */
  blockTime: number | null;
  /** When the server processed it, ms since the Unix epoch. */
  at: number;
}

/** A session that ended without a check-out: idle or absolute timeout, or ended by request. */
export interface SessionExpiredEvent {
  cameraId: string;
  wallet: string;
  sessionId: string;
  reason: 'idle' | 'absolute' | 'ended';
  at: number;
}

/** A face track appeared (public: no identity). */
export interface FaceDetectedEvent {
  cameraId: string;
  /** Unique per camera while the server runs. */
  trackId: number;
  /** `[x, y, width, height]` in source pixels. */
  box: [number, number, number, number];
  /** Detector score, 0..1. */
  score: number;
  /** Capture time of the analysed frame, ms since the Unix epoch. */
  at: number;
}

/** A track's identity changed: a checked-in, enrolled wallet (or, with `wallet: null`, unknown again). */
export interface FaceRecognizedEvent {
  cameraId: string;
  trackId: number;
  box: [number, number, number, number];
  /** The recognised wallet; identity events go only to that wallet and the operator. */
  wallet: string;
  /** Cosine similarity of the match, -1..1. */
  similarity: number;
  at: number;
}

/** A face track ended (public). */
export interface FaceLostEvent {
  cameraId: string;
  trackId: number;
  /** First and last capture time seen, ms since the Unix epoch. */
  firstSeen: number;
  at: number;
}

/**
 * The camera's public RTMP broadcast (Livepeer egress) changed state: started, live, lost and
 * reconnecting (with the backoff's next delay), stopped. Public: no identity and never the
 * stream key (errors are redacted).
 */
export interface StreamStateEvent {
  cameraId: string;
  state: 'off' | 'connecting' | 'live' | 'reconnecting';
  /** FLV bytes handed to the ingest since the broadcast started. */
  bytesSent: number;
  /** Connection attempts after the first, since the broadcast started. */
  reconnects: number;
  /** The latest failure (redacted), null when none since start. */
  error: string | null;
  /** While reconnecting: ms until the next attempt, else null. */
  retryInMs: number | null;
  /** ms since the Unix epoch. */
  at: number;
}

/** Server → client events. */
export interface ServerToClientEvents {
  'session:checkin': (event: SessionChainEvent) => void;
  'session:checkout': (event: SessionChainEvent) => void;
  'session:expired': (event: SessionExpiredEvent) => void;
  'face:detected': (event: FaceDetectedEvent) => void;
  'face:recognized': (event: FaceRecognizedEvent) => void;
  'face:lost': (event: FaceLostEvent) => void;
  'stream:state': (event: StreamStateEvent) => void;
}

/** Client → server events (none yet: clients only listen). */
export type ClientToServerEvents = Record<string, never>;

/** The events that carry a wallet and so are scoped to that wallet and the operator. */
export const IDENTITY_EVENTS = ['session:checkin', 'session:checkout', 'session:expired', 'face:recognized'] as const;

/** Events every subscriber of the camera hears (no wallet in them). */
export const PUBLIC_EVENTS = ['face:detected', 'face:lost', 'stream:state'] as const;
