import { io, type Socket } from 'socket.io-client';
import { socketIoPath } from '../basePath';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../server/events/EventCatalogue';

/** Name of a server → client session event (the face events are the vision panel's). */
export type SessionEventName = Extract<keyof ServerToClientEvents, `session:${string}`>;

/** One event as received: its name, the server's payload and when it arrived (ms since the epoch). */
export type SessionEventRecord = {
  [K in SessionEventName]: { name: K; data: Parameters<ServerToClientEvents[K]>[0]; receivedAt: number };
}[SessionEventName];

/** What the socket tells its owner. */
export interface SessionEventsListener {
  event(record: SessionEventRecord): void;
  /** Connection state of the socket changed; `error` says why it is down (null when connected). */
  connection(connected: boolean, error: string | null): void;
}

/**
 * The page's socket.io connection for the session events of server/events/EventCatalogue.ts
 * (`session:checkin`, `session:checkout`, `session:expired`): `io(origin, { auth: { token, cameraId } })`
 * on `socket.io` under the page's base path (`/socket.io`, or `/cam/socket.io` behind a prefix). With the session JWT the server delivers the wallet's own
 * identity events; socket.io reconnects by itself with the current `auth` (the token is swapped in
 * place when it is renewed).
 */
export class SessionEvents {
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;

  /**
   * @param listener told of events and of connection changes.
   * @param origin server origin (the page's).
   */
  constructor(
    private readonly listener: SessionEventsListener,
    private readonly origin: string = window.location.origin,
  ) {}

  /** True while the socket is connected. */
  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** Opens the socket with this JWT and camera, or, when open, uses them from the next reconnect. */
  open(token: string, cameraId: string): void {
    if (this.#socket) {
      this.#socket.auth = { token, cameraId };
      return;
    }
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.origin, {
      auth: { token, cameraId },
      path: socketIoPath(),
    });
    socket.on('connect', () => this.listener.connection(true, null));
    socket.on('disconnect', (reason) => this.listener.connection(false, `disconnected (${reason})`));
    socket.on('connect_error', (err) => this.listener.connection(false, err.message));
    socket.on('session:checkin', (data) => this.#forward({ name: 'session:checkin', data, receivedAt: Date.now() }));
    socket.on('session:checkout', (data) => this.#forward({ name: 'session:checkout', data, receivedAt: Date.now() }));
    socket.on('session:expired', (data) => this.#forward({ name: 'session:expired', data, receivedAt: Date.now() }));
    this.#socket = socket;
  }

  #forward(record: SessionEventRecord): void {
    this.listener.event(record);
  }

  /** Closes the socket (idempotent). */
  close(): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    socket.removeAllListeners();
    socket.disconnect();
    this.listener.connection(false, null);
  }
}
