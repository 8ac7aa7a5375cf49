import type { ApiClient } from '../api';
import type { LatencyProbe } from '../LatencyProbe';
import type { StatsSample } from '../StatsSampler';
import { WhepPlayer } from '../WhepPlayer';
import type { PathSession, PlayerSurface } from './PlayerTypes';
import { showOnly } from './createSurface';

/**
 * The `webrtc` path: one `WhepPlayer` attempt without its own reconnects (`retry: false`, the
 * picker decides), with the ICE servers of `api/webrtc/ice-servers` and, with `relay`, only TURN
 * relay candidates. The first frame is the video's first presented frame.
 */
export class WhepSession implements PathSession {
  readonly path = 'webrtc' as const;
  readonly whep: WhepPlayer;
  onfirstframe: ((at: number) => void) | null = null;
  onfailure: ((reason: string) => void) | null = null;
  /** Called with each stats reading of the peer connection (about once a second). */
  onstats: ((sample: StatsSample) => void) | null = null;
  /** Called when the server refused the token (401/403). */
  onunauthorised: (() => void) | null = null;

  /**
   * True when the attempt failed on the HTTP side (ICE servers or WHEP request: the server is
   * unreachable, restarting, or refused), not in the media connection.
   */
  signallingFailed = false;
  /** True once ICE and DTLS connected (WebRTC gets through, whatever happens next). */
  mediaConnected = false;
  private closed = false;
  private shown = false;

  /**
   * @param cameraId camera id, for logs.
   * @param whepUrl WHEP endpoint, relative to the api's base (`whep/<camera>`).
   * @param surface the video shows the stream.
   * @param api client with the token.
   * @param probe the picker's latency probe (it runs on the video).
   * @param relay only relay candidates (`iceTransportPolicy: 'relay'`).
   */
  constructor(
    cameraId: string,
    whepUrl: string,
    private readonly surface: PlayerSurface,
    api: ApiClient,
    probe: LatencyProbe,
    relay: boolean,
  ) {
    this.whep = new WhepPlayer(cameraId, whepUrl, surface.video, api, {}, { relay, retry: false, probe });
  }

  get framesDecoded(): number {
    return this.whep.framesDecoded;
  }

  get bytesReceived(): number {
    return this.whep.stats?.bytesReceived ?? 0;
  }

  get width(): number {
    return this.surface.video.videoWidth;
  }

  get height(): number {
    return this.surface.video.videoHeight;
  }

  start(): void {
    const video = this.surface.video;
    video.removeAttribute('src');
    this.whep.onfailure = (reason, signalling) => {
      if (this.closed) return;
      this.closed = true;
      this.signallingFailed = signalling;
      this.onfailure?.(reason);
    };
    this.whep.onstats = (s) => this.onstats?.(s);
    this.whep.onstatechange = (state) => {
      if (state === 'connected') this.mediaConnected = true;
    };
    this.whep.onunauthorised = () => this.onunauthorised?.();
    this.whep.start();
    if (typeof video.requestVideoFrameCallback === 'function') {
      video.requestVideoFrameCallback((now) => this.firstFrame(now));
    }
  }

  close(keepalive = false): void {
    if (this.closed) {
      this.whep.stop(keepalive);
      return;
    }
    this.closed = true;
    this.whep.onfailure = null;
    this.whep.stop(keepalive);
  }

  private firstFrame(at: number): void {
    if (this.closed || this.shown) return;
    this.shown = true;
    showOnly(this.surface, 'video');
    this.onfirstframe?.(at);
  }
}
