import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server as SocketServer, type Socket } from 'socket.io';
import type { AccessControl } from '../access/AccessControl.js';
import { accessRow } from '../access/accessTable.js';
import { HttpError } from '../http/HttpError.js';
import type { SessionClaims } from '../sessions/SessionTypes.js';
import type { ClientToServerEvents, PUBLIC_EVENTS, ServerToClientEvents } from './EventCatalogue.js';

/** What the hub remembers about a connected socket. */
interface SocketData {
  cameraId: string;
  claims: SessionClaims | null;
  /** May hear the camera's public events (viewer level). */
  viewer: boolean;
  /** Client address, for the per-address connection count. */
  address: string;
}

type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Room names: everyone at a camera, one wallet at a camera, the camera's operator. */
const cameraRoom = (cameraId: string): string => `camera:${cameraId}`;
const walletRoom = (cameraId: string, wallet: string): string => `wallet:${cameraId}:${wallet}`;
const operatorRoom = (cameraId: string): string => `operator:${cameraId}`;

/**
 * The server's event hub: socket.io on the HTTP server (path `/socket.io`), typed by
 * `EventCatalogue.ts`. Admission follows the access table's socket.io row (viewer or session):
 * the `Host` and `Origin` are checked on every engine request (WebSockets are not covered by
 * CORS, so a foreign origin is refused outright), connections are rate limited and capped per
 * address and in total. A client authenticates with its session token
 * (`io(url, { auth: { token } })`) and is scoped to the token's camera, and/or with a viewer
 * token (`auth: { viewerToken }`, or `auth: { token }` when it is not a session token) naming a
 * camera (`auth: { cameraId }`). Public events go only to viewer-level sockets; identity
 * events go to the wallet's own sockets and the operator's, never to anonymous ones. A socket
 * whose session ends is told (`session:expired`) and disconnected.
 *
 * The one emitter behind which other transports (socket.io's Redis adapter for many boxes)
 * would go.
 */
export class EventHub {
  #io: SocketServer<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData> | undefined;
  readonly #logger: Logger;
  readonly #limits: { socketsPerAddress: number; socketsTotal: number };
  readonly #cameraIds: ReadonlySet<string>;
  /** Admitted sockets, in total and per client address. */
  #clients = 0;
  readonly #perAddress = new Map<string, number>();
  #closed = false;

  /**
   * A hub with no sockets yet: events sent before {@link attach} reach nobody (no client can
   * be connected before the HTTP server listens). Created first, so that the modules that send
   * events get it at construction.
   * @param cameraIds the cameras a socket may name.
   */
  constructor(opts: {
    /** `limits.socketsPerAddress` and `limits.socketsTotal`. */
    limits: { socketsPerAddress: number; socketsTotal: number };
    cameraIds: ReadonlySet<string>;
    logger: Logger;
  }) {
    this.#logger = opts.logger.child({ module: 'events' });
    this.#limits = opts.limits;
    this.#cameraIds = opts.cameraIds;
  }

  /**
   * Serves socket.io on the HTTP server (socket.io adds its upgrade and polling handlers),
   * admitting sockets through `access`.
   * @throws Error when already attached or closed, or when the access table has no socket.io row.
   */
  attach(http: HttpServer, access: AccessControl): void {
    if (this.#io || this.#closed) throw new Error('event hub already attached or closed');
    const limits = this.#limits;
    const cameraIds = this.#cameraIds;
    const row = accessRow('CONNECT', '/socket.io/');
    if (!row) throw new Error('no access-table row for socket.io');
    const io: SocketServer<
      ClientToServerEvents,
      ServerToClientEvents,
      Record<string, never>,
      SocketData
    > = new SocketServer(http, {
      serveClient: false,
      // Other upgrade paths (WebSocket video) are answered by their own handler, which also
      // answers 404 to unknown paths (media/ws/WsVideoServer.ts): engine.io must not end them.
      destroyUpgrade: false,
      cors: { origin: (origin, callback) => callback(null, access.origins.corsGrant(origin) !== undefined) },
      allowRequest: (req, callback) => {
        try {
          const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
          access.origins.check(req.headers.host, origin, 'GET', true);
          callback(null, true);
        } catch (error) {
          callback((error as Error).message, false);
        }
      },
    });
    this.#io = io;
    io.use((socket: HubSocket, next) => {
      const auth = (socket.handshake.auth ?? {}) as { token?: unknown; viewerToken?: unknown; cameraId?: unknown };
      const text = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 4096) : '');
      const reject = (message: string): void => next(new Error(message));
      void (async () => {
        const caller = await access.admitSocket(socket.request, {
          bearer: text(auth.token),
          queryToken: text(auth.viewerToken),
        });
        access.policy.check(caller, row);
        if (this.#clients >= limits.socketsTotal) {
          throw new HttpError(503, `the server has its maximum of ${limits.socketsTotal} event connections`);
        }
        if ((this.#perAddress.get(caller.address) ?? 0) >= limits.socketsPerAddress) {
          throw new HttpError(429, `this address has ${limits.socketsPerAddress} event connections already`);
        }
        const claims = caller.session?.claims ?? null;
        const cameraId = claims?.cameraId ?? (typeof auth.cameraId === 'string' ? auth.cameraId : [...cameraIds][0]);
        if (cameraId === undefined || !cameraIds.has(cameraId)) {
          throw new HttpError(404, `unknown camera "${String(auth.cameraId)}"`);
        }
        const viewer = access.policy.satisfies(caller, 'viewer');
        socket.data = { cameraId, claims, viewer, address: caller.address };
      })().then(
        () => next(),
        (error: unknown) => reject((error as Error).message),
      );
    });
    io.on('connection', (socket: HubSocket) => {
      const { cameraId, claims, viewer, address } = socket.data;
      this.#clients += 1;
      this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
      socket.once('disconnect', () => {
        this.#clients -= 1;
        const left = (this.#perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.#perAddress.set(address, left);
        else this.#perAddress.delete(address);
      });
      const rooms = viewer ? [cameraRoom(cameraId)] : [];
      if (claims) rooms.push(claims.role === 'operator' ? operatorRoom(cameraId) : walletRoom(cameraId, claims.wallet));
      if (claims?.role === 'operator') rooms.push(walletRoom(cameraId, claims.wallet));
      void socket.join(rooms);
      this.#logger.debug({ socket: socket.id, cameraId, wallet: claims?.wallet ?? null }, 'socket connected');
    });
  }

  /** Connected sockets (all cameras). */
  get clients(): number {
    return this.#io?.engine.clientsCount ?? 0;
  }

  /**
   * Sends an identity event to the wallet's sockets at the camera and to the operator's.
   * @param payload the event's argument, which names `cameraId` and `wallet`.
   */
  emitIdentity<E extends keyof ServerToClientEvents>(
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0] & { cameraId: string; wallet: string },
  ): void {
    if (this.#closed || !this.#io) return;
    const target = this.#io.to([walletRoom(payload.cameraId, payload.wallet), operatorRoom(payload.cameraId)]);
    (target.emit as (event: E, payload: unknown) => boolean)(event, payload);
  }

  /** Sends a public event (no identity in it) to every socket at the camera. */
  emitCamera<E extends (typeof PUBLIC_EVENTS)[number]>(
    event: E,
    payload: Parameters<ServerToClientEvents[E]>[0] & { cameraId: string },
  ): void {
    if (this.#closed || !this.#io) return;
    (this.#io.to(cameraRoom(payload.cameraId)).emit as (event: E, payload: unknown) => boolean)(event, payload);
  }

  /** Disconnects the sockets of a wallet at a camera (after its session ended). */
  disconnectWallet(cameraId: string, wallet: string): void {
    if (!this.#closed) this.#io?.in(walletRoom(cameraId, wallet)).disconnectSockets(true);
  }

  /** Closes every socket (not the HTTP server, which the caller owns). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#io) return;
    this.#io.disconnectSockets(true);
    // io.close() would also close the HTTP server; detach the engine only.
    this.#io.engine.close();
  }
}
