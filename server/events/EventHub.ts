import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server as SocketServer, type Socket } from 'socket.io';
import type { SessionManager } from '../sessions/SessionManager.js';
import type { SessionTokens } from '../sessions/SessionTokens.js';
import type { Role, SessionClaims } from '../sessions/SessionTypes.js';
import type { ClientToServerEvents, PUBLIC_EVENTS, ServerToClientEvents } from './EventCatalogue.js';

/** What the hub remembers about a connected socket. */
interface SocketData {
  cameraId: string;
  claims: SessionClaims | null;
}

type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Room names: everyone at a camera, one wallet at a camera, the camera's operator. */
const cameraRoom = (cameraId: string): string => `camera:${cameraId}`;
const walletRoom = (cameraId: string, wallet: string): string => `wallet:${cameraId}:${wallet}`;
const operatorRoom = (cameraId: string): string => `operator:${cameraId}`;

/**
 * The server's event hub: socket.io on the HTTP server (path `/socket.io`), typed by
 * `EventCatalogue.ts`. A client authenticates with its session token
 * (`io(url, { auth: { token } })`) and is scoped to the token's camera; without a token it
 * names a camera (`auth: { cameraId }`) and hears only that camera's public events. Identity
 * events go to the wallet's own sockets and the operator's, never to anonymous ones; who is the
 * operator is `roleOf` at connection (configuration), not the token's role claim. A socket
 * whose session ends is told (`session:expired`) and disconnected.
 *
 * The one emitter behind which other transports (socket.io's Redis adapter for many boxes)
 * would go.
 */
export class EventHub {
  readonly #io: SocketServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  readonly #logger: Logger;
  #closed = false;

  /**
   * @param http the server's HTTP server (socket.io adds its upgrade and polling handlers).
   * @param cameraIds the cameras a socket may name.
   * @param roleOf the role of a wallet at a camera, from the configuration.
   */
  constructor(opts: {
    http: HttpServer;
    tokens: SessionTokens;
    sessions: SessionManager;
    roleOf: (wallet: string, cameraId: string) => Role;
    cameraIds: ReadonlySet<string>;
    logger: Logger;
  }) {
    this.#logger = opts.logger.child({ module: 'events' });
    this.#io = new SocketServer(opts.http, { serveClient: false, cors: { origin: true } });
    this.#io.use((socket: HubSocket, next) => {
      const auth = (socket.handshake.auth ?? {}) as { token?: unknown; cameraId?: unknown };
      const reject = (message: string): void => next(new Error(message));
      if (typeof auth.token === 'string' && auth.token !== '') {
        opts.tokens.verify(auth.token).then(
          (claims) => {
            if (!opts.sessions.getOpen(claims.sid)) return reject('session ended: sign in again');
            socket.data = {
              cameraId: claims.cameraId,
              claims: { ...claims, role: opts.roleOf(claims.wallet, claims.cameraId) },
            };
            next();
          },
          (error: unknown) => reject((error as Error).message),
        );
        return;
      }
      const cameraId = typeof auth.cameraId === 'string' ? auth.cameraId : [...opts.cameraIds][0];
      if (cameraId === undefined || !opts.cameraIds.has(cameraId))
        return reject(`unknown camera "${String(auth.cameraId)}"`);
      socket.data = { cameraId, claims: null };
      next();
    });
    this.#io.on('connection', (socket: HubSocket) => {
      const { cameraId, claims } = socket.data;
      const rooms = [cameraRoom(cameraId)];
      if (claims) rooms.push(claims.role === 'operator' ? operatorRoom(cameraId) : walletRoom(cameraId, claims.wallet));
      if (claims?.role === 'operator') rooms.push(walletRoom(cameraId, claims.wallet));
      void socket.join(rooms);
      this.#logger.debug({ socket: socket.id, cameraId, wallet: claims?.wallet ?? null }, 'socket connected');
    });
  }

  /** Connected sockets (all cameras). */
  get clients(): number {
    return this.#io.engine.clientsCount;
  }

  /**
   * Sends an identity event to the wallet's sockets at the camera and to the operator's.
   * @param payload the event's argument, which names `cameraId` and `wallet`.
   */
  emitIdentity<E extends keyof ServerToClientEvents>(
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0] & { cameraId: string; wallet: string },
  ): void {
    if (this.#closed) return;
    const target = this.#io.to([walletRoom(payload.cameraId, payload.wallet), operatorRoom(payload.cameraId)]);
    (target.emit as (event: E, payload: unknown) => boolean)(event, payload);
  }

  /** Sends a public event (no identity in it) to every socket at the camera. */
  emitCamera<E extends (typeof PUBLIC_EVENTS)[number]>(
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0] & { cameraId: string },
  ): void {
    if (this.#closed) return;
    (this.#io.to(cameraRoom(payload.cameraId)).emit as (event: E, payload: unknown) => boolean)(event, payload);
  }

  /** Disconnects the sockets of a wallet at a camera (after its session ended). */
  disconnectWallet(cameraId: string, wallet: string): void {
    if (!this.#closed) this.#io.in(walletRoom(cameraId, wallet)).disconnectSockets(true);
  }

  /** Closes every socket (not the HTTP server, which the caller owns). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.disconnectSockets(true);
    // io.close() would also close the HTTP server; detach the engine only.
    this.#io.engine.close();
  }
}
