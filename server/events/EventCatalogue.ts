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

/** Server → client events. */
export interface ServerToClientEvents {
  'session:checkin': (event: SessionChainEvent) => void;
  'session:checkout': (event: SessionChainEvent) => void;
  'session:expired': (event: SessionExpiredEvent) => void;
}

/** Client → server events (none yet: clients only listen). */
export type ClientToServerEvents = Record<string, never>;

/** The events that carry a wallet and so are scoped to that wallet and the operator. */
export const IDENTITY_EVENTS = ['session:checkin', 'session:checkout', 'session:expired'] as const;
