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

/** A hand started showing a gesture (or changed to another one). Public: no identity. */
export interface GestureDetectedEvent {
  cameraId: string;
  /** The hand's track, unique per camera while the server runs. */
  trackId: number;
  /** open_palm, fist, thumbs_up, thumbs_down, victory, pointing, ok. */
  gesture: string;
  /** The gesture shown before on this hand (`none` for a new one). */
  previous: string;
  /** Gesture confidence 0..1. */
  score: number;
  /** `[x, y, width, height]` of the hand, output px. */
  box: [number, number, number, number];
  /** Capture time, ms since the Unix epoch. */
  at: number;
}

/** A hand stopped showing its gesture (no gesture any more, another one, or the hand left). Public. */
export interface GestureEndedEvent {
  cameraId: string;
  trackId: number;
  gesture: string;
  /** When the gesture started, ms since the Unix epoch. */
  since: number;
  at: number;
}

/**
 * Whose hand made a gesture: the recognised, checked-in person the hand belongs to (the nearest
 * face above the wrist, docs/analyzers.md). Identity: only to that wallet and the operator.
 */
export interface GestureIdentifiedEvent {
  cameraId: string;
  trackId: number;
  gesture: string;
  wallet: string;
  at: number;
}

/** A gesture action ran (gestures.actions): the user sees what their gesture did. Identity. */
export interface GestureActionEvent {
  cameraId: string;
  wallet: string;
  gesture: string;
  action: 'capture' | 'record_start' | 'record_stop';
  /** The photo or recording id, when it made one. */
  id: string | null;
  /** Why it did nothing (a quota, not checked in), or null when it ran. */
  error: string | null;
  at: number;
}

/** The count of a configured object class changed (people, vehicles). Public: classes and boxes only. */
export interface ObjectCountsEvent {
  cameraId: string;
  /** Class name → objects in view in the last analysed frame, for every configured class (0 included). */
  counts: Record<string, number>;
  /** The objects in view: class, box in output px, track id. */
  boxes: { label: string; box: [number, number, number, number]; trackId: number }[];
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
  'gesture:detected': (event: GestureDetectedEvent) => void;
  'gesture:ended': (event: GestureEndedEvent) => void;
  'gesture:identified': (event: GestureIdentifiedEvent) => void;
  'gesture:action': (event: GestureActionEvent) => void;
  'object:counts': (event: ObjectCountsEvent) => void;
}

/** Client → server events (none yet: clients only listen). */
export type ClientToServerEvents = Record<string, never>;

/** The events that carry a wallet and so are scoped to that wallet and the operator. */
export const IDENTITY_EVENTS = [
  'session:checkin',
  'session:checkout',
  'session:expired',
  'face:recognized',
  'gesture:identified',
  'gesture:action',
] as const;

/** Events every subscriber of the camera hears (no wallet in them). */
export const PUBLIC_EVENTS = [
  'face:detected',
  'face:lost',
  'stream:state',
  'gesture:detected',
  'gesture:ended',
  'object:counts',
] as const;
