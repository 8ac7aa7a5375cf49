import { type ChildProcess, spawn } from 'node:child_process';
import { type Socket, createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { Backoff } from '../core/Backoff.js';
import type { RtspConfig } from './rtspConfig.js';
import type { RtspCamera, RtspState, RtspStatus } from './RtspOutputTypes.js';

/** Packets waiting in the forwarding socket past which new ones are dropped (never queued in Node). */
const MAX_SEND_QUEUE = 64;
/** rtspd running this long starts the restart backoff over, ms. */
const BACKOFF_RESET_AFTER_MS = 10_000;
/** Least time between two logged refusals (the others are counted, and the next line says how many), ms. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** Grace between SIGTERM and SIGKILL on close, ms. */
const STOP_GRACE_MS = 3000;

/** What each refusal reason of rtspd means, for the log (native/PROTOCOL.md, "rtspd"). */
const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  max_clients: 'outputs.rtsp.maxClients reached',
  max_pending: 'outputs.rtsp.maxPendingClients connections without credentials already',
  max_pending_per_address:
    'outputs.rtsp.maxPendingPerAddress connections without credentials from this address already',
  auth_timeout: 'no valid credentials within outputs.rtsp.authTimeoutS',
};

/** An event line of rtspd (native/PROTOCOL.md, "rtspd"). */
type RtspdEvent =
  | { event: 'listening'; host: string; port: number }
  | {
      event: 'client';
      action: 'connected' | 'left' | 'dropped' | 'refused';
      id?: number;
      address: string;
      camera?: string;
      reason?: string;
    }
  | { event: 'play'; camera: string; id: number }
  | { event: 'stats'; clients: number; pending: number; mounts: Record<string, number> }
  | { event: 'error'; message: string }
  | { event: 'stopped' };

/**
 * RTSP out for NVRs: supervises native rtspd (spawned, restarted with backoff, config as one
 * JSON line on stdin so no password reaches argv, the environment or a log) and forwards each
 * camera's normalised RTP to it over UDP on 127.0.0.1 (camera i → `rtpBasePort + i`), one
 * socket, packets dropped rather than queued when the socket is behind. A client that starts
 * playing gets a keyframe request. `status()` is what `/api/status` shows as `rtsp`.
 */
export class RtspOutput {
  readonly #config: RtspConfig;
  readonly #binary: string;
  readonly #logger: Logger;
  readonly #cameras: ReadonlyMap<string, RtspCamera>;
  readonly #ports = new Map<string, number>();
  readonly #backoff: Backoff;
  readonly #unsubscribe: (() => void)[] = [];
  #socket: Socket | undefined;
  #child: ChildProcess | undefined;
  #state: RtspState;
  #port: number | null = null;
  #clients = 0;
  #pending = 0;
  #mountClients = new Map<string, number>();
  #refused = 0;
  #refusalLoggedAt = -Infinity;
  /** Refusals since the last one logged (see #logRefusal). */
  #refusalsNotLogged = 0;
  #dropped = 0;
  #restarts = 0;
  #forwardDropped = 0;
  #lastError: string | null = null;
  #retry: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #closing: Promise<void> | undefined;

  /**
   * @param binary absolute path of rtspd.
   */
  /** @param config `outputs.rtsp` as resolved (its `binary` absolute: server/config/loadConfig.ts). */
  constructor(cameras: ReadonlyMap<string, RtspCamera>, config: RtspConfig, logger: Logger) {
    this.#cameras = cameras;
    this.#config = config;
    this.#binary = config.binary;
    this.#logger = logger.child({ module: 'rtsp' });
    this.#backoff = new Backoff({ initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs });
    this.#state = config.enabled ? 'starting' : 'off';
    [...cameras.keys()].forEach((id, i) => this.#ports.set(id, config.rtpBasePort + i));
  }

  /**
   * Binds the forwarding socket, subscribes to every camera's RTP and spawns rtspd. Does
   * nothing when `outputs.rtsp.enabled` is false.
   * @throws Error when the forwarding socket cannot be bound.
   */
  async start(): Promise<void> {
    if (!this.#config.enabled || this.#closing) return;
    const socket = createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Send errors (ICMP unreachable while rtspd has no client) are expected: nothing to do.
    socket.on('error', (error) => this.#logger.debug({ err: error }, 'RTP forward error'));
    this.#socket = socket;
    for (const [id, camera] of this.#cameras) {
      const port = this.#ports.get(id)!;
      this.#unsubscribe.push(camera.subscribeRtp((packet) => this.#forward(packet, port)));
    }
    this.#spawn();
  }

  /** Path of a camera on the RTSP server (`<pathPrefix>/<camera id>`). */
  pathOf(camera: string): string {
    return `${this.#config.pathPrefix}/${camera}`;
  }

  /** Bound TCP port of rtspd, null until it listens. */
  get port(): number | null {
    return this.#port;
  }

  status(): RtspStatus {
    return {
      state: this.#state,
      host: this.#config.host,
      port: this.#port,
      clients: this.#clients,
      maxClients: this.#config.maxClients,
      pending_clients: this.#pending,
      mounts: [...this.#cameras.keys()].map((camera) => ({
        camera,
        path: this.pathOf(camera),
        clients: this.#mountClients.get(camera) ?? 0,
      })),
      pid: this.#child?.pid ?? null,
      refused_clients: this.#refused,
      dropped_clients: this.#dropped,
      restarts: this.#restarts,
      last_error: this.#lastError,
    };
  }

  /** Packets not forwarded because the socket was behind (since start). */
  get forwardDropped(): number {
    return this.#forwardDropped;
  }

  /** Stops forwarding and rtspd (SIGTERM, SIGKILL after a grace). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#retry);
      for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
      this.#socket?.close();
      this.#socket = undefined;
      const child = this.#child;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(kill);
      }
      this.#state = this.#config.enabled ? 'closed' : 'off';
      this.#clients = 0;
      this.#mountClients.clear();
    })();
    return this.#closing;
  }

  #forward(packet: Buffer, port: number): void {
    const socket = this.#socket;
    if (!socket) return;
    if (socket.getSendQueueCount() > MAX_SEND_QUEUE) {
      this.#forwardDropped++;
      return;
    }
    socket.send(packet, port, '127.0.0.1');
  }

  /** The config line (holds the passwords: written to rtspd's stdin only). */
  #configLine(): string {
    const c = this.#config;
    return `${JSON.stringify({
      host: c.host,
      port: c.port,
      maxClients: c.maxClients,
      maxPendingClients: c.maxPendingClients,
      maxPendingPerAddress: c.maxPendingPerAddress,
      authTimeoutS: c.authTimeoutS,
      sourcePort: this.#socket?.address().port ?? 0,
      clientTimeoutS: c.clientTimeoutS,
      protocols: c.protocols,
      users: c.users.map((u) => ({ name: u.name, password: u.password })),
      mounts: [...this.#cameras.keys()].map((camera) => ({
        camera,
        path: this.pathOf(camera),
        rtpPort: this.#ports.get(camera),
      })),
    })}\n`;
  }

  #spawn(): void {
    if (this.#closing) return;
    this.#state = 'starting';
    this.#startedAt = Date.now();
    this.#logger.info({ binary: this.#binary, host: this.#config.host, port: this.#config.port }, 'spawning rtspd');
    const child = spawn(this.#binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    child.on('error', (error) => {
      if (child.pid !== undefined) return; // a running child's stream errors: its exit follows
      // Not started at all (no binary): 'exit' may never come, and retrying will not help.
      this.#lastError = `cannot start rtspd at ${this.#binary}: ${error.message} (build it with npm run build:native)`;
      this.#logger.error(this.#lastError);
      if (this.#child === child) this.#child = undefined;
      this.#state = 'failed';
    });
    child.stdin!.on('error', (error) => this.#logger.debug({ err: error }, 'rtspd stdin closed'));
    // stdin stays open: rtspd exits when it closes (the server is gone).
    child.stdin!.write(this.#configLine());
    createInterface({ input: child.stdout! }).on('line', (line) => this.#onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      // GStreamer's warning that udpsrc (our pay0) has no `pt` property is expected.
      if (line.includes("has no property named 'pt'") || line.trim() === '') return;
      this.#logger.debug({ rtspd: line }, 'rtspd');
    });
    child.once('exit', (code, signal) => this.#onExit(child, code, signal));
  }

  /**
   * One warning per refusal, but at most one per REFUSAL_LOG_INTERVAL_MS: a stranger opening
   * connections as fast as they can must not flood the log (the counter has every one).
   */
  #logRefusal(event: { id?: number; address: string; reason?: string }): void {
    const now = Date.now();
    if (now - this.#refusalLoggedAt < REFUSAL_LOG_INTERVAL_MS) {
      this.#refusalsNotLogged++;
      return;
    }
    this.#logger.warn(
      { client: event.id, address: event.address, reason: event.reason, notLoggedBefore: this.#refusalsNotLogged },
      `RTSP connection refused: ${REFUSAL_REASONS[event.reason ?? ''] ?? event.reason}`,
    );
    this.#refusalLoggedAt = now;
    this.#refusalsNotLogged = 0;
  }

  #onLine(line: string): void {
    let event: RtspdEvent;
    try {
      event = JSON.parse(line) as RtspdEvent;
    } catch {
      this.#logger.warn({ line: line.slice(0, 200) }, 'rtspd wrote a line that is not JSON');
      return;
    }
    switch (event.event) {
      case 'listening':
        this.#state = 'running';
        this.#port = event.port;
        this.#lastError = null;
        this.#logger.info({ host: event.host, port: event.port }, 'RTSP server listening');
        return;
      case 'client':
        if (event.action === 'refused') {
          this.#refused++;
          this.#logRefusal(event);
        } else if (event.action === 'dropped') {
          this.#dropped++;
          this.#logger.warn(
            { client: event.id, address: event.address, camera: event.camera, reason: event.reason },
            'RTSP client dropped',
          );
        } else {
          this.#logger.info(
            { client: event.id, address: event.address, camera: event.camera },
            `RTSP client ${event.action}`,
          );
        }
        return;
      case 'play': {
        this.#cameras.get(event.camera)?.requestKeyframe('rtsp-play');
        return;
      }
      case 'stats':
        this.#clients = event.clients;
        this.#pending = event.pending ?? 0;
        this.#mountClients = new Map(Object.entries(event.mounts));
        return;
      case 'error':
        this.#lastError = event.message;
        this.#logger.error({ error: event.message }, 'rtspd error');
        return;
      case 'stopped':
        return;
      default:
        return;
    }
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#port = null;
    this.#clients = 0;
    this.#mountClients.clear();
    if (this.#closing) return;
    if (code === 2) {
      // A bad configuration does not get better by retrying.
      this.#state = 'failed';
      this.#logger.error({ error: this.#lastError }, 'rtspd refused its configuration: not restarted');
      return;
    }
    if (Date.now() - this.#startedAt >= BACKOFF_RESET_AFTER_MS) this.#backoff.reset();
    const delay = this.#backoff.next();
    this.#state = 'restarting';
    this.#restarts++;
    this.#lastError ??= `rtspd exited (code ${code}, signal ${signal})`;
    this.#logger.warn({ code, signal, retryInMs: delay }, 'rtspd exited: restarting');
    this.#retry = setTimeout(() => this.#spawn(), delay);
  }
}
