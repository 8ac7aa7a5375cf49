import type { ApiClient } from '../api';
import { Backoff } from '../../../media/core/Backoff';
import { LatencyProbe, type LatencyProbeOptions } from '../LatencyProbe';
import type { StatsSample } from '../StatsSampler';
import type { WhepPlayer } from '../WhepPlayer';
import { MjpegSession } from './MjpegSession';
import { MseSession, mseAvailable } from './MseSession';
import {
  type CameraPlayer,
  PLAYER_PATHS,
  type PathSession,
  type PlayerPath,
  type PlayerState,
  type PlayerSurface,
} from './PlayerTypes';
import { showOnly } from './createSurface';
import { videoSocketUrl } from './VideoSocket';
import { WebCodecsSession, webCodecsAvailable } from './WebCodecsSession';
import { WhepSession } from './WhepSession';
import { JanusSession } from './JanusSession';

/** Default of `player.webrtcTimeoutMs` when the server does not say (server/player/playerConfig.ts owns it). */
const FALLBACK_WEBRTC_TIMEOUT_MS = 3000;
/** Reconnects in a row that wait for the server's Janus forward after Janus played, before WHEP. */
const JANUS_WAITS = 3;
/** Interval of the stats computed for the WebSocket and MJPEG paths, ms. */
const STATS_INTERVAL_MS = 1000;

/** Options of `PickingPlayer`. */
export interface PickingPlayerOptions {
  /** Start at this path, with no fallback above it (the page's `?force=`). Default: WebRTC first. */
  force?: PlayerPath | null;
  /** WebRTC with relay candidates only (`iceTransportPolicy: 'relay'`, the page's `?relay=1`). */
  relay?: boolean;
  /**
   * ICE failure or no frame within this after WebRTC starts: the next path is tried, ms.
   * A function, so the value of the latest `api/status` applies.
   */
  webrtcTimeoutMs?: () => number | undefined;
  /**
   * Whether the server offers Janus (`outputs.janus.public` of `api/status`): the `janus` path is
   * tried first. A function, so the latest status applies. Default: no Janus.
   */
  janus?: () => boolean;
  /** Window and idle settings of the latency probe. */
  latency?: LatencyProbeOptions;
}

/** The surface element a path draws into. */
const ELEMENT: Record<PlayerPath, keyof PlayerSurface> = {
  janus: 'video',
  webrtc: 'video',
  websocket: 'canvas',
  mse: 'video',
  mjpeg: 'img',
};

/**
 * Plays one camera over the best path that gets through (go2rtc's player order): Janus first
 * where the server forwards to one (`janus` option; docs/janus.md), then WebRTC (WHEP); when ICE fails or no frame is shown within `player.webrtcTimeoutMs`, the WebSocket path
 * (WebCodecs, or MSE where WebCodecs is missing or fails); MJPEG as the last resort. A WHEP
 * request that fails on the HTTP side (network error, timeout, 5xx, 404), or a WebRTC session
 * whose ICE and DTLS connected but whose frames did not come, is a reconnect, not a fallback:
 * WebRTC gets through, the server is not ready, and the other paths ask the same server.
 *
 * A connection ("chain") tries the paths in that order, each once, until one shows a frame; the
 * playing path is `path`. When it fails later, or every path failed, the player counts a
 * reconnect, waits 0.5 s doubling to 4 s (reset once frames flow) and starts a new chain from
 * WebRTC (or the forced path). A 401/403 from WHEP ends in `failed` for good.
 *
 * `state`, `path`, `reconnects`, `framesDecoded`, `firstFrameMs`, `latency`, `pc`, `whep` are
 * public for tests and benches (`window.__viewer.players`, `<edge-camera>.player`).
 */
export class PickingPlayer implements CameraPlayer {
  state: PlayerState = 'stopped';
  path: PlayerPath | null = null;
  reconnects = 0;
  lastError: string | null = null;
  firstFrameMs: number | null = null;
  /** `performance.now()` when the current chain started, ms. */
  chainStartedAt: number | null = null;
  /** Latest stats of the current session (WebRTC getStats, or computed for the other paths). */
  stats: StatsSample | null = null;
  /** Paths tried in the current chain and why each ended, in order (for tests and the tile). */
  readonly attempts: { path: PlayerPath; error: string | null }[] = [];
  readonly latency: LatencyProbe;
  onstatechange: ((state: PlayerState, reason: string | null) => void) | null = null;
  /** Called about once a second with fresh stats while a path plays. */
  onstats: ((sample: StatsSample) => void) | null = null;
  /** Called when the path changes (null when stopped). */
  onpathchange: ((path: PlayerPath | null) => void) | null = null;
  /** Called when the server refused the token. */
  onunauthorised: (() => void) | null = null;

  private session: PathSession | null = null;
  private running = false;
  private playing = false;
  /** WHEP answered 401/403: the token is wrong, no other path will do better. */
  private unauthorised = false;
  private generation = 0;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 4000, jitter: 0 });
  /** Janus played in this player: its forward refusing a token is then a restart to wait for. */
  private janusPlayed = false;
  /** Reconnects in a row spent waiting for the Janus forward (at most {@link JANUS_WAITS}). */
  private janusWaits = 0;
  private retryTimer: number | undefined;
  private webrtcTimer: number | undefined;
  private statsTimer: number | undefined;
  private lastStats: { at: number; frames: number; bytes: number } | null = null;
  private readonly order: PlayerPath[];
  private readonly relay: boolean;

  /**
   * @param cameraId camera id (URLs, logs).
   * @param surface video, canvas and img of the tile; the playing path's is shown.
   * @param api client with the base URL and the viewer token.
   * @param options forced path, relay, WebRTC timeout, probe settings.
   */
  constructor(
    readonly cameraId: string,
    readonly surface: PlayerSurface,
    private readonly api: ApiClient,
    private readonly options: PickingPlayerOptions = {},
  ) {
    this.latency = new LatencyProbe(surface.video, options.latency ?? {});
    const from = options.force ? PLAYER_PATHS.indexOf(options.force) : 0;
    this.order = PLAYER_PATHS.slice(Math.max(0, from));
    this.relay = options.relay ?? false;
  }

  /** The video element (WebRTC and MSE paths). */
  get video(): HTMLVideoElement {
    return this.surface.video;
  }

  /** The WHEP player while the WebRTC path is tried or plays, else null. */
  get whep(): WhepPlayer | null {
    return this.session instanceof WhepSession ? this.session.whep : null;
  }

  /** The peer connection of the WebRTC path, null on the other paths and between attempts. */
  get pc(): RTCPeerConnection | null {
    return this.whep?.pc ?? null;
  }

  /** `performance.now()` just before the latest WHEP POST, ms; null when none. */
  get postedAt(): number | null {
    return this.whep?.postedAt ?? null;
  }

  get framesDecoded(): number {
    return this.session?.framesDecoded ?? 0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backoff.reset();
    this.latency.start();
    this.chain('connecting');
  }

  stop(keepalive = false): void {
    this.running = false;
    this.endSession(keepalive);
    this.latency.stop();
    this.setPath(null);
    this.setState('stopped', null);
  }

  /** Starts a connection: the first path of the order. */
  private chain(state: PlayerState): void {
    this.endSession(false);
    this.playing = false;
    this.firstFrameMs = null;
    this.chainStartedAt = performance.now();
    this.attempts.length = 0;
    this.setState(state, this.lastError);
    this.tryPath(0);
  }

  /** Whether this browser can play `path`. */
  private available(path: PlayerPath): boolean {
    switch (path) {
      case 'janus':
        return typeof RTCPeerConnection !== 'undefined' && this.options.janus?.() === true;
      case 'webrtc':
        return typeof RTCPeerConnection !== 'undefined';
      case 'websocket':
        return webCodecsAvailable();
      case 'mse':
        return mseAvailable();
      case 'mjpeg':
        return true;
    }
  }

  private tryPath(index: number): void {
    while (index < this.order.length && !this.available(this.order[index]!)) index++;
    const path = this.order[index];
    if (path === undefined) {
      this.retry('no path played');
      return;
    }
    this.endSession(false);
    const gen = this.generation;
    const session = this.makeSession(path);
    this.session = session;
    this.attempts.push({ path, error: null });
    this.setPath(path);
    showOnly(this.surface, ELEMENT[path]);
    session.onfirstframe = (at) => {
      if (gen !== this.generation) return;
      window.clearTimeout(this.webrtcTimer);
      this.playing = true;
      if (path === 'janus') {
        this.janusPlayed = true;
        this.janusWaits = 0;
      }
      this.firstFrameMs = this.chainStartedAt === null ? null : Math.round(at - this.chainStartedAt);
      this.lastError = null;
      this.backoff.reset();
      this.setState('connected', null);
    };
    session.onfailure = (reason) => {
      if (gen !== this.generation) return;
      this.ended(index, path, reason);
    };
    if (path === 'webrtc' || path === 'janus') {
      const timeoutMs = this.options.webrtcTimeoutMs?.() ?? FALLBACK_WEBRTC_TIMEOUT_MS;
      this.webrtcTimer = window.setTimeout(() => {
        if (gen !== this.generation || this.playing) return;
        // ICE and DTLS are up: WebRTC gets through; the WHEP player's own watchdogs (no frame
        // 4 s after connecting) decide from here.
        if ((session instanceof WhepSession || session instanceof JanusSession) && session.mediaConnected) return;
        this.ended(index, path, `no WebRTC frame within ${timeoutMs} ms`);
      }, timeoutMs);
    }
    this.lastStats = null;
    if (path !== 'webrtc') this.statsTimer = window.setInterval(() => this.sampleStats(gen), STATS_INTERVAL_MS);
    session.start();
  }

  /** The session of `index` ended: the next path when it never played, else a reconnect. */
  private ended(index: number, path: PlayerPath, reason: string): void {
    const attempt = this.attempts[this.attempts.length - 1];
    if (attempt) attempt.error = reason;
    console.info(`[${this.cameraId}] ${path}: ${reason}`);
    this.lastError = `${path}: ${reason}`;
    if (!this.running) return;
    const session = this.session;
    if (this.playing) {
      this.retry(this.lastError);
    } else if (
      session instanceof WhepSession &&
      (session.signallingFailed || session.mediaConnected) &&
      !this.unauthorised
    ) {
      // The server did not answer WHEP (down, restarting, camera not running), or WebRTC got
      // through and the media did not flow: not a transport problem, so a reconnect (from
      // WebRTC again), not a fallback to a path the same server feeds from the same encode.
      this.retry(this.lastError);
    } else if (
      session instanceof JanusSession &&
      session.signallingFailed &&
      this.janusPlayed &&
      this.janusWaits < JANUS_WAITS
    ) {
      // Janus played and the server's forward is being re-created (Janus restarted): a
      // reconnect to Janus, a few times (0.5 + 1 + 2 s), before falling back to WHEP.
      this.janusWaits++;
      this.retry(this.lastError);
    } else if (this.unauthorised) {
      this.endSession(false);
      this.running = false;
      this.setState('failed', this.lastError);
    } else {
      this.tryPath(index + 1);
    }
  }

  /** Ends the chain and starts the next one after the backoff delay. */
  private retry(reason: string): void {
    this.endSession(false);
    this.playing = false;
    this.reconnects++;
    this.setState('reconnecting', reason);
    const delay = this.backoff.next();
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) this.chain('reconnecting');
    }, delay);
  }

  private makeSession(path: PlayerPath): PathSession {
    const wsUrl = (): string => videoSocketUrl(this.api.base, this.cameraId, this.api.token);
    switch (path) {
      case 'janus':
        return new JanusSession(this.cameraId, this.surface, this.api);
      case 'webrtc': {
        const s = new WhepSession(
          this.cameraId,
          `whep/${encodeURIComponent(this.cameraId)}`,
          this.surface,
          this.api,
          this.latency,
          this.relay,
        );
        s.onstats = (sample) => this.publishStats(sample);
        s.onunauthorised = () => {
          this.unauthorised = true;
          this.onunauthorised?.();
        };
        return s;
      }
      case 'websocket':
        return new WebCodecsSession(wsUrl(), this.surface, this.latency);
      case 'mse':
        return new MseSession(wsUrl(), this.surface);
      case 'mjpeg': {
        const url = new URL(this.api.resolve('stream'));
        url.searchParams.set('camera', this.cameraId);
        if (this.api.token) url.searchParams.set('token', this.api.token);
        return new MjpegSession(url.href, this.surface);
      }
    }
  }

  /** Stats of the WebSocket and MJPEG paths from the session's counters (rates over the last interval). */
  private sampleStats(gen: number): void {
    const s = this.session;
    if (gen !== this.generation || !s || !this.playing) return;
    const now = performance.now();
    const frames = s.framesDecoded;
    const bytes = s.bytesReceived;
    const prev = this.lastStats;
    this.lastStats = { at: now, frames, bytes };
    const seconds = prev ? (now - prev.at) / 1000 : 0;
    this.publishStats({
      timestamp: now,
      width: s.width || null,
      height: s.height || null,
      fps: prev && seconds > 0 ? (frames - prev.frames) / seconds : null,
      bitrateKbps: prev && seconds > 0 && bytes > 0 ? ((bytes - prev.bytes) * 8) / 1000 / seconds : null,
      rttMs: null,
      framesDecoded: frames,
      framesDropped: 0,
      bytesReceived: bytes,
    });
  }

  private publishStats(sample: StatsSample): void {
    this.stats = sample;
    this.onstats?.(sample);
  }

  private endSession(keepalive: boolean): void {
    this.generation++;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.webrtcTimer);
    window.clearInterval(this.statsTimer);
    this.retryTimer = this.webrtcTimer = this.statsTimer = undefined;
    this.stats = null;
    const s = this.session;
    this.session = null;
    s?.close(keepalive);
  }

  private setPath(path: PlayerPath | null): void {
    if (path === this.path) return;
    this.path = path;
    this.onpathchange?.(path);
  }

  private setState(state: PlayerState, reason: string | null): void {
    if (state === this.state) return;
    const prev = this.state;
    this.state = state;
    console.info(
      `[${this.cameraId}] ${prev} -> ${state}${this.path ? ` via ${this.path}` : ''}${reason ? ` (${reason})` : ''}`,
    );
    this.onstatechange?.(state, reason);
  }
}
