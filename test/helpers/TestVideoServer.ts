import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeAccessUnit } from '../../web/src/player/wsProtocol.js';
import type { TestClip } from './h264AccessUnits.js';

/** Options of `TestVideoServer.start`. */
export interface TestVideoServerOptions {
  /** The footage, looped forever at its frame rate. */
  clip: TestClip;
  /** Folder served statically (the built viewer, web/dist); none when absent. */
  webRoot?: string;
  /** The one camera's id. Default `cam0`. */
  cameraId?: string;
  /** Viewer token required (`Authorization: Bearer` or `?token=`); none = open. */
  token?: string;
  /** Other origins allowed (CORS and the WebSocket `Origin` check). */
  corsOrigins?: string[];
  /** `player.webrtcTimeoutMs` in the status. Default 3000. */
  webrtcTimeoutMs?: number;
  /** Bytes a client's socket may hold unsent before it skips to the next keyframe. Default 1 MiB. */
  queueBytes?: number;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** One WebSocket viewer and its skip state. */
interface Client {
  ws: WebSocket;
  /** Waiting for a keyframe after its queue overflowed. */
  skipping: boolean;
  /** The next access unit sent carries the discontinuity flag. */
  gap: boolean;
}

/**
 * TEST-ONLY stand-in for the media server's WebSocket video path (docs/websocket-video.md,
 * protocol 1), for browser tests of the player before (and apart from) the real server: on
 * 127.0.0.1 it serves `web/dist`, `GET api/status` (one camera, `player.webrtcTimeoutMs`), and
 * `GET api/cameras/{camera}/ws`: the config message, the GOP cache, then the clip's access units
 * in real time (timestamps rising across loops), each client's unsent bytes bounded (skip to the
 * next keyframe, discontinuity flag). WHEP and everything else answer 404, so a player falls
 * back from WebRTC at once. Refusals before the upgrade as the protocol says: 401 token, 403
 * origin, 404 camera.
 */
export class TestVideoServer {
  /** Access units sent to all clients, and skipped (queue over its bound). */
  sent = 0;
  skipped = 0;
  /** WebSocket connections accepted so far. */
  connections = 0;

  private readonly clients = new Set<Client>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  /** Messages from the newest keyframe on (what a new client gets first). */
  private gop: Uint8Array[] = [];
  private closed = false;

  private constructor(
    private readonly http: Server,
    private readonly o: TestVideoServerOptions,
  ) {}

  /** Starts listening on 127.0.0.1 (an ephemeral port) and playing the clip. */
  static async start(o: TestVideoServerOptions): Promise<TestVideoServer> {
    const http = createServer();
    const server = new TestVideoServer(http, o);
    http.on('request', (req, res) => void server.onRequest(req, res));
    http.on('upgrade', (req, socket, head) => server.onUpgrade(req, socket as import('node:net').Socket, head));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    server.timer = setInterval(() => server.tick(), 1000 / o.clip.fps);
    return server;
  }

  /** `http://127.0.0.1:<port>/`. */
  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/`;
  }

  get cameraId(): string {
    return this.o.cameraId ?? 'cam0';
  }

  /** WebSocket clients connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Stops playing, closes every client and the listener. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private config(): string {
    const { clip } = this.o;
    return JSON.stringify({
      type: 'config',
      version: 1,
      codec: clip.codec,
      width: clip.width,
      height: clip.height,
      description: Buffer.from(clip.avcC).toString('base64'),
    });
  }

  private tick(): void {
    const { clip } = this.o;
    const unit = clip.units[this.frame % clip.units.length]!;
    const timestampUs = (this.frame * 1e6) / clip.fps;
    this.frame++;
    const plain = encodeAccessUnit({
      keyframe: unit.keyframe,
      discontinuity: false,
      timestampUs,
      receivedAtMs: Date.now(),
      data: unit.data,
    });
    if (unit.keyframe) this.gop = [];
    this.gop.push(plain);
    const bound = this.o.queueBytes ?? 1024 * 1024;
    for (const c of this.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.skipping && !unit.keyframe) {
        this.skipped++;
        continue;
      }
      if (c.ws.bufferedAmount + plain.length > bound) {
        c.skipping = true;
        c.gap = true;
        this.skipped++;
        continue;
      }
      c.skipping = false;
      let message = plain;
      if (c.gap) {
        message = plain.slice();
        message[1]! |= 2;
        c.gap = false;
      }
      c.ws.send(message);
      this.sent++;
    }
  }

  private allowedOrigin(req: IncomingMessage): string | null | false {
    const origin = req.headers.origin;
    if (!origin) return null;
    if (origin === this.url.slice(0, -1)) return origin;
    return (this.o.corsOrigins ?? []).includes(origin) ? origin : false;
  }

  private authorised(req: IncomingMessage, url: URL): boolean {
    if (!this.o.token) return true;
    return req.headers.authorization === `Bearer ${this.o.token}` || url.searchParams.get('token') === this.o.token;
  }

  private onUpgrade(req: IncomingMessage, socket: import('node:net').Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.url);
    const refuse = (status: number, message: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
          `Content-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: message })}`,
      );
    };
    const m = /^\/api\/cameras\/([^/]+)\/ws$/.exec(url.pathname);
    if (!m) return refuse(404, 'no such WebSocket');
    if (!this.authorised(req, url)) return refuse(401, 'viewer token required');
    if (this.allowedOrigin(req) === false) return refuse(403, 'origin not allowed');
    if (decodeURIComponent(m[1]!) !== this.cameraId) return refuse(404, 'unknown camera');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, skipping: false, gap: false };
      this.connections++;
      ws.send(this.config());
      for (const au of this.gop) ws.send(au);
      this.clients.add(client);
      ws.on('close', () => this.clients.delete(client));
      ws.on('error', () => this.clients.delete(client));
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const origin = this.allowedOrigin(req);
    if (origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Location');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(origin ? 204 : 403, {
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
      });
      res.end();
      return;
    }
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/status') {
      if (!this.authorised(req, url)) return json(401, { error: 'viewer token required' });
      const { clip } = this.o;
      return json(200, {
        uptime_s: 1,
        cameras: [
          {
            id: this.cameraId,
            name: this.cameraId,
            source: 'test-clip://',
            state: 'running',
            encoder: 'x264enc',
            width: clip.width,
            height: clip.height,
            fps: clip.fps,
            bitrate_kbps: null,
            keyframe_requests: 0,
            keyframes: 0,
            source_state: 'ok',
            viewers: this.clients.size,
            restarts: 0,
            ingest_kbps: 0,
            pid: null,
            frames_out: this.frame,
            latency_probe: false,
            whep: `/whep/${this.cameraId}`,
            last_error: null,
          },
        ],
        player: { webrtcTimeoutMs: this.o.webrtcTimeoutMs ?? 3000 },
      });
    }
    if (this.o.webRoot && req.method === 'GET') {
      const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
      const file = normalize(join(this.o.webRoot, rel));
      if (file.startsWith(normalize(this.o.webRoot) + sep)) {
        try {
          const body = await readFile(file);
          res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
          res.end(body);
          return;
        } catch {
          // not a file here: 404 below
        }
      }
    }
    json(404, { error: `no route ${req.method} ${url.pathname}` });
  }
}
