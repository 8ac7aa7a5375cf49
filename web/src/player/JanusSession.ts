import type { ApiClient } from '../api';
import { FrameProgress } from './FrameProgress';
import type { PathSession, PlayerSurface } from './PlayerTypes';
import { showOnly } from './createSurface';

/** What `POST api/cameras/:camera/janus` answers (server/http/routers/janusRouter.ts). */
interface JanusGrant {
  publicUrl: string;
  token: string;
  mountpoint: number;
  pin: string;
}

/** The parts of janus.js (Janus 1.1, Debian libjs-janus-gateway) this session uses. */
interface JanusHandle {
  send(p: { message: Record<string, unknown>; jsep?: unknown }): void;
  createAnswer(p: {
    jsep: unknown;
    tracks: unknown[];
    success: (jsep: unknown) => void;
    error: (e: unknown) => void;
  }): void;
}
interface JanusInstance {
  attach(callbacks: Record<string, unknown>): void;
  destroy(options?: Record<string, unknown>): void;
}
interface JanusStatic {
  new (options: Record<string, unknown>): JanusInstance;
  init(options: Record<string, unknown>): void;
  useDefaultDependencies(deps: Record<string, unknown>): unknown;
  isWebrtcSupported(): boolean;
}

let loading: Promise<JanusStatic> | undefined;

/**
 * Loads the server's `vendor/janus.js` (Janus's own, the version of the Janus package) once and
 * initialises it. janus.js reads `adapter.browserDetails` (webrtc-adapter, which Debian does not
 * ship): a small shim from the user agent stands in for it.
 */
function loadJanus(api: ApiClient): Promise<JanusStatic> {
  loading ??= new Promise<JanusStatic>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = api.resolve('vendor/janus.js');
    script.onload = () => {
      const Janus = (window as unknown as { Janus?: JanusStatic }).Janus;
      if (!Janus) return reject(new Error('janus.js did not define Janus'));
      const ua = navigator.userAgent;
      const m = /(Firefox|Chrome|Version)\/(\d+)/.exec(ua);
      const browser = /Firefox/.test(ua) ? 'firefox' : /Chrome|Chromium/.test(ua) ? 'chrome' : 'safari';
      const adapter = { browserDetails: { browser, version: m ? Number(m[2]) : 0 } };
      Janus.init({
        debug: false,
        dependencies: Janus.useDefaultDependencies({ adapter }),
        callback: () => resolve(Janus),
      });
    };
    script.onerror = () => {
      loading = undefined;
      reject(new Error('vendor/janus.js not available'));
    };
    document.head.append(script);
  });
  return loading;
}

/**
 * Without a new frame for this long, a playing Janus session has failed (Janus gone), ms:
 * shorter than the other players' (FRAME_STALL_MS), as a restarted Janus must be found quickly.
 */
const STALL_MS = 2000;
/** ICE connected and no frame within this: failed (a keyframe comes every 2 s at the defaults), ms. */
const FIRST_FRAME_MS = 6000;

/**
 * The `janus` path: a Janus token from the server (`POST api/cameras/:camera/janus`, minted for
 * this viewer through Janus's Admin API), then Janus's own janus.js: a session on `publicUrl`
 * with that token, the Streaming plugin's `watch` of the camera's mountpoint with its pin, and
 * the answer to Janus's offer (receive only). It fails once on a refused token, a Janus error,
 * ICE failure, a hang-up, no frame within 6 s of ICE connecting, or frames that stop for 2 s
 * (Janus restarted: its session is gone); the picker then reconnects (new token) or falls back
 * to WHEP.
 */
export class JanusSession implements PathSession {
  readonly path = 'janus' as const;
  onfirstframe: ((at: number) => void) | null = null;
  onfailure: ((reason: string) => void) | null = null;
  /** True when the server refused the token request (not Janus itself). */
  signallingFailed = false;
  /** True once ICE connected to Janus. */
  mediaConnected = false;
  private janus: JanusInstance | null = null;
  private closed = false;
  private shown = false;
  private watchdog: number | undefined;
  private readonly progress = new FrameProgress(STALL_MS);
  private connectedAt = 0;

  constructor(
    private readonly cameraId: string,
    private readonly surface: PlayerSurface,
    private readonly api: ApiClient,
  ) {}

  get framesDecoded(): number {
    return this.surface.video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  }

  get bytesReceived(): number {
    return 0;
  }

  get width(): number {
    return this.surface.video.videoWidth;
  }

  get height(): number {
    return this.surface.video.videoHeight;
  }

  start(): void {
    void this.run().catch((error: unknown) => this.fail(error instanceof Error ? error.message : String(error)));
  }

  close(): void {
    this.closed = true;
    window.clearInterval(this.watchdog);
    const janus = this.janus;
    this.janus = null;
    try {
      janus?.destroy({ cleanupHandles: true, notifyDestroyed: false });
    } catch {
      // janus.js throws when the server is gone; nothing to release then
    }
    const video = this.surface.video;
    if (video.srcObject) video.srcObject = null;
  }

  private async run(): Promise<void> {
    const res = await this.api.fetch(`api/cameras/${encodeURIComponent(this.cameraId)}/janus`, { method: 'POST' });
    if (!res.ok) {
      this.signallingFailed = true;
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      throw new Error(`Janus token: HTTP ${res.status}${body.error ? ` (${body.error})` : ''}`);
    }
    const grant = (await res.json()) as JanusGrant;
    const Janus = await loadJanus(this.api);
    if (this.closed) return;
    if (!Janus.isWebrtcSupported()) throw new Error('WebRTC not supported');
    const video = this.surface.video;
    video.removeAttribute('src');
    this.janus = new Janus({
      server: grant.publicUrl,
      token: grant.token,
      success: () => this.attach(grant),
      error: (e: unknown) => this.fail(`Janus: ${String(e)}`),
      destroyed: () => this.fail('Janus session destroyed'),
    });
  }

  private attach(grant: JanusGrant): void {
    let handle: JanusHandle | null = null;
    this.janus?.attach({
      plugin: 'janus.plugin.streaming',
      success: (h: JanusHandle) => {
        handle = h;
        h.send({ message: { request: 'watch', id: grant.mountpoint, pin: grant.pin } });
      },
      error: (e: unknown) => this.fail(`Janus attach: ${String(e)}`),
      onmessage: (msg: { error?: string; error_code?: number }, jsep?: unknown) => {
        if (msg.error) return this.fail(`Janus: ${msg.error}`);
        if (!jsep || !handle) return;
        const h = handle;
        h.createAnswer({
          jsep,
          tracks: [],
          success: (answer) => h.send({ message: { request: 'start' }, jsep: answer }),
          error: (e) => this.fail(`Janus answer: ${String(e)}`),
        });
      },
      onremotetrack: (track: MediaStreamTrack, _mid: string, on: boolean) => {
        if (!on || track.kind !== 'video' || this.closed) return;
        const video = this.surface.video;
        video.srcObject = new MediaStream([track]);
        video.muted = true;
        void video.play().catch(() => undefined);
        if (typeof video.requestVideoFrameCallback === 'function') {
          video.requestVideoFrameCallback((now) => this.firstFrame(now));
        }
      },
      iceState: (state: string) => {
        if (state === 'connected' || state === 'completed') {
          if (!this.mediaConnected) this.startWatchdog();
          this.mediaConnected = true;
        }
        if (state === 'failed') this.fail('Janus ICE failed');
      },
      webrtcState: (up: boolean, reason?: string) => {
        if (!up) this.fail(`Janus hang-up${reason ? ` (${reason})` : ''}`);
      },
      oncleanup: () => this.fail('Janus PeerConnection closed'),
    });
  }

  private startWatchdog(): void {
    this.connectedAt = performance.now();
    this.progress.reset(this.connectedAt);
    this.watchdog = window.setInterval(() => {
      const now = performance.now();
      if (this.progress.advanced(this.framesDecoded, now)) return;
      if (this.shown && this.progress.stalled(now)) this.fail(`no Janus frame for ${STALL_MS} ms`);
      else if (!this.shown && now - this.connectedAt > FIRST_FRAME_MS) this.fail('no Janus frame after connecting');
    }, 500);
  }

  private firstFrame(at: number): void {
    if (this.closed || this.shown) return;
    this.shown = true;
    showOnly(this.surface, 'video');
    this.onfirstframe?.(at);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.onfailure?.(reason);
  }
}
