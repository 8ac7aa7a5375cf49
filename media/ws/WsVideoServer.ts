import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsVideoClient } from './WsVideoClient.js';
import { WsVideoFeed } from './WsVideoFeed.js';
import type { WebsocketConfig } from './wsVideoConfig.js';
import type { WsVideoCamera, WsViewerStats } from './WsVideoTypes.js';

/** The path of the upgrade: `/api/cameras/{camera}/ws`. */
const WS_PATH = /^\/api\/cameras\/([^/]+)\/ws$/;
/** Upgrades on these paths belong to someone else (socket.io's engine). */
const FOREIGN_PREFIXES = ['/socket.io/'];
/** Seconds a refused viewer is told to wait when the server is full (`Retry-After`). */
const RETRY_AFTER_S = 10;
/** Largest message a client may send, bytes (clients never need to send anything). */
const MAX_CLIENT_MESSAGE = 4096;

/** A refusal as the HTTP API answers it: status, message, the field, extra headers (`HttpError`'s shape). */
interface Refusal {
  status: number;
  message: string;
  field?: string;
  headers?: Readonly<Record<string, string>>;
}

/** Who may open a WebSocket video connection: the access model, injected by the server. */
export interface WsVideoAdmission {
  /**
   * Admits an upgrade request for a camera before the upgrade: Host and Origin, the caller's
   * credentials, the per-address connection rate, the viewer caps.
   * @param live ids of the camera's WebSocket viewers now.
   * @returns the client address.
   * @throws an error with `status` (401, 403, 429, 503), `message`, `field` and `headers`.
   */
  admit(req: IncomingMessage, cameraId: string, live: readonly string[]): Promise<string>;
  /** Records that `address` opened viewer `viewerId` (for the viewer caps). */
  added(cameraId: string, viewerId: string, address: string): void;
  /** Headers on every answer, the 101 included (security headers). */
  headers: Readonly<Record<string, string>>;
}

/**
 * The WebSocket video path on the HTTP server (docs/websocket-video.md): handles the HTTP
 * server's `upgrade` event for `GET /api/cameras/{camera}/ws` with `ws`
 * (`WebSocketServer({ noServer: true })`). Admission happens before the upgrade; a refusal is an
 * ordinary HTTP answer (status line, `{error, field}` JSON) and the socket is closed. Upgrades on
 * any other path except socket.io's are answered 404, so no socket is left hanging. One
 * {@link WsVideoFeed} per camera, one {@link WsVideoClient} per viewer.
 */
export class WsVideoServer {
  readonly #cameras: ReadonlyMap<string, WsVideoCamera>;
  readonly #config: WebsocketConfig;
  readonly #admission: WsVideoAdmission;
  readonly #logger: Logger;
  readonly #wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_CLIENT_MESSAGE,
    clientTracking: false,
  });
  readonly #feeds = new Map<string, WsVideoFeed>();
  /** Upgrades admitted or being admitted (counted against `maxClients` before they finish). */
  #clients = 0;
  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.handleUpgrade(req, socket, head);
  #closed = false;

  constructor(opts: {
    cameras: ReadonlyMap<string, WsVideoCamera>;
    config: WebsocketConfig;
    admission: WsVideoAdmission;
    logger: Logger;
  }) {
    this.#cameras = opts.cameras;
    this.#config = opts.config;
    this.#admission = opts.admission;
    this.#logger = opts.logger.child({ module: 'ws-video' });
    for (const camera of opts.cameras.values()) {
      this.#feeds.set(camera.id, new WsVideoFeed(camera, opts.config.gopCacheBytes, opts.logger));
    }
    const headers = Object.entries(opts.admission.headers).map(([name, value]) => `${name}: ${value}`);
    this.#wss.on('headers', (lines) => lines.push(...headers));
  }

  /** Handles the HTTP server's upgrade requests from now on (see the class comment). */
  attach(http: HttpServer): void {
    http.on('upgrade', this.#onUpgrade);
  }

  /** WebSocket viewers of a camera now, with their counters. */
  viewers(cameraId: string): WsViewerStats[] {
    return (this.#feeds.get(cameraId)?.clients ?? []).map((client) => client.stats);
  }

  /** WebSocket viewers of all cameras. */
  get clients(): number {
    return this.#clients;
  }

  /**
   * One upgrade request: ours (`/api/cameras/{camera}/ws`) is admitted and upgraded or answered
   * with its refusal; socket.io's is left to its engine; any other is answered 404.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (FOREIGN_PREFIXES.some((prefix) => path.startsWith(prefix))) return;
    const match = WS_PATH.exec(path);
    if (!match || this.#closed) {
      this.#refuse(socket, { status: 404, message: `no WebSocket endpoint at ${path.slice(0, 200)}`, field: 'path' });
      return;
    }
    let cameraId: string;
    try {
      cameraId = decodeURIComponent(match[1]!);
    } catch {
      this.#refuse(socket, { status: 404, message: 'unknown camera', field: 'camera' });
      return;
    }
    void this.#admit(req, socket, head, cameraId);
  }

  /** Closes every viewer with 1000 and stops the feeds; detaches from the HTTP server. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const feed of this.#feeds.values()) feed.close('server closing');
    this.#feeds.clear();
    // The upgrade listener stays: requests still arriving are answered 404 until HTTP closes.
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  async #admit(req: IncomingMessage, socket: Duplex, head: Buffer, cameraId: string): Promise<void> {
    let reserved = false;
    try {
      // 1. the access model: Host, Origin, credentials, rate, viewer caps
      const feed = this.#feeds.get(cameraId);
      const live = feed ? feed.clients.map((c) => c.id) : [];
      const address = await this.#admission.admit(req, cameraId, live);
      // 2. the camera exists and runs
      const camera = this.#cameras.get(cameraId);
      if (!camera || !feed) throw refusal(404, `unknown camera "${cameraId}"`, 'camera');
      if (!camera.running) throw refusal(503, `camera "${cameraId}" is not running`, 'camera', { 'Retry-After': '2' });
      // 3. room on the server
      if (this.#clients >= this.#config.maxClients) {
        throw refusal(503, `the server has its maximum of ${this.#config.maxClients} WebSocket viewers`, 'camera', {
          'Retry-After': String(RETRY_AFTER_S),
        });
      }
      if (socket.destroyed || this.#closed) return;
      this.#clients += 1;
      reserved = true;
      // 4. the upgrade (ws answers 400 itself to a malformed handshake)
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        reserved = false;
        this.#open(ws, feed, cameraId, address);
      });
      // handleUpgrade may have refused the handshake: its socket is gone without a callback.
      socket.once('close', () => {
        if (reserved) {
          reserved = false;
          this.#clients -= 1;
        }
      });
    } catch (error) {
      if (reserved) this.#clients -= 1;
      const e = error as Partial<Refusal> & Error;
      if (typeof e.status === 'number' && e.status >= 400 && e.status < 600) {
        this.#logger[e.status === 429 ? 'debug' : 'info'](
          { status: e.status, path: '/api/cameras/:camera/ws', error: e.message },
          'WebSocket upgrade refused',
        );
        this.#refuse(socket, {
          status: e.status,
          message: e.message,
          ...(e.field ? { field: e.field } : {}),
          ...(e.headers ? { headers: e.headers } : {}),
        });
      } else {
        this.#logger.error({ err: error }, 'WebSocket upgrade failed');
        this.#refuse(socket, { status: 500, message: 'internal error' });
      }
    }
  }

  #open(ws: WebSocket, feed: WsVideoFeed, cameraId: string, address: string): void {
    if (this.#closed) {
      ws.close(1000, 'server closing');
      this.#clients -= 1;
      return;
    }
    const id = randomUUID();
    const client = new WsVideoClient(ws, {
      id,
      address,
      queueBytes: this.#config.queueBytes,
      stallTimeoutMs: this.#config.stallTimeoutMs,
      logger: this.#logger,
    });
    this.#admission.added(cameraId, id, address);
    ws.on('error', (error) => this.#logger.debug({ err: error, viewer: id }, 'WebSocket viewer error'));
    ws.on('message', () => {
      // Clients never need to send anything (docs/websocket-video.md): ignored.
    });
    ws.once('close', () => {
      this.#clients -= 1;
      client.close(1000, 'closed by the client');
      feed.remove(client);
    });
    this.#logger.info({ viewer: id, camera: cameraId, address }, 'WebSocket viewer connected');
    feed.add(client);
  }

  /** Answers an upgrade request with a plain HTTP error (`{error, field}` JSON) and closes the socket. */
  #refuse(socket: Duplex, refusal: Refusal): void {
    if (socket.destroyed) return;
    const body = JSON.stringify(
      refusal.field ? { error: refusal.message, field: refusal.field } : { error: refusal.message },
    );
    const headers: Record<string, string> = {
      ...this.#admission.headers,
      ...refusal.headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: 'close',
    };
    const head = [`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Error'}`]
      .concat(Object.entries(headers).map(([name, value]) => `${name}: ${value}`))
      .join('\r\n');
    socket.end(`${head}\r\n\r\n${body}`, () => socket.destroy());
  }
}

function refusal(status: number, message: string, field?: string, headers?: Record<string, string>): Refusal & Error {
  return Object.assign(new Error(message), { status, ...(field ? { field } : {}), ...(headers ? { headers } : {}) });
}
