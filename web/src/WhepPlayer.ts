import type { ApiClient } from './api';
import { Backoff } from '../../media/core/Backoff';
import { HttpError } from './HttpError';
import { LatencyProbe, type LatencyProbeOptions } from './LatencyProbe';
import { StatsSampler, type StatsSample } from './StatsSampler';

import { FrameProgress } from './player/FrameProgress';
import type { PlayerState } from './player/PlayerTypes';

export type { PlayerState };

/** Options of `WhepPlayer` beyond the latency probe's. */
export interface WhepOptions {
  /** `iceTransportPolicy: 'relay'`: only TURN relay candidates (the page's `?relay=1`). Default false. */
  relay?: boolean;
  /**
   * Reconnect by itself after a failure (default true). False: a failure ends the player in
   * `failed` and calls `onfailure` (the picker, web/src/player/PickingPlayer.ts, decides what next).
   */
  retry?: boolean;
  /**
   * Probe to use instead of one made for `video`; its owner starts and stops it (the picker
   * keeps one probe across paths).
   */
  probe?: LatencyProbe;
}

/**
 * `GET api/webrtc/ice-servers` (viewer level): the STUN/TURN servers (TURN credentials minted for
 * this viewer) to build the peer connection with. 404 (a server without it), or a 2xx that is not
 * this API's JSON, means none.
 * Throws HttpError on another non-2xx (401 included), fetch's errors on a network failure.
 */
async function fetchIceServers(api: ApiClient, timeoutMs: number): Promise<RTCIceServer[]> {
  const res = await api.fetch('api/webrtc/ice-servers', { headers: { Accept: 'application/json' } }, timeoutMs);
  if (res.status === 404) return [];
  if (!res.ok) throw await HttpError.fromResponse(res);
  let body: { iceServers?: unknown };
  try {
    body = (await res.json()) as { iceServers?: unknown };
  } catch {
    return []; // not this API's answer (a plain server that serves something else): none
  }
  return Array.isArray(body?.iceServers) ? (body.iceServers as RTCIceServer[]) : [];
}

/** Longest wait for ICE gathering before the offer is POSTed anyway, in ms. */
const GATHER_TIMEOUT_MS = 1000;
/** Timeout of the WHEP POST, in ms. */
const POST_TIMEOUT_MS = 5000;
/** How long "disconnected" may last before the session is replaced, in ms. */
const DISCONNECTED_GRACE_MS = 2000;
/** How long after the answer ICE/DTLS may take to reach "connected", in ms. */
const CONNECT_TIMEOUT_MS = 10000;
/** Interval of `pc.getStats()` polling, in ms. */
const STATS_INTERVAL_MS = 1000;

/**
 * Plays one camera over WHEP (RFC 9725): POSTs an SDP offer, applies the
 * answer, and keeps the session alive by itself.
 *
 * Reconnect triggers: connectionState "failed"/"closed"; "disconnected" for
 * more than 2 s; no frame decoded for 4 s while "connected"; ICE not connected
 * 10 s after the answer; the POST failing (network error, 5xx, 404, timeout).
 * Each reconnect closes the old peer connection, DELETEs the old viewer
 * resource (best effort), waits 0.5 s doubling to 4 s, and POSTs again. The
 * delay resets once frames flow again. A 401/403 is final ("failed").
 *
 * `state`, `reconnects`, `pc`, `video` and `latency` are public for tests
 * and benches (`window.__viewer.players`).
 */
export class WhepPlayer {
  /** Current badge state. */
  state: PlayerState = 'stopped';
  /** Sessions torn down and retried since the page loaded. */
  reconnects = 0;
  /** Peer connection of the current attempt; null while waiting to retry or stopped. */
  pc: RTCPeerConnection | null = null;
  /** Why the last attempt ended, for display; null when none failed. */
  lastError: string | null = null;
  /** Latest stats of the current session; null before the first reading. */
  stats: StatsSample | null = null;
  /**
   * Glass-to-glass latency of the frames this player's video presents (docs/latency-probe.md);
   * runs between `start()` and `stop()`, across reconnects.
   */
  readonly latency: LatencyProbe;
  /** `performance.now()` just before the latest WHEP POST, ms; null before the first. */
  postedAt: number | null = null;

  /** Called on every state change. */
  onstatechange: ((state: PlayerState, reason: string | null) => void) | null = null;
  /** Called about once a second with fresh stats while a session exists. */
  onstats: ((sample: StatsSample) => void) | null = null;
  /** Called when the server refused the bearer token. */
  onunauthorised: (() => void) | null = null;
  /** Called just before each WHEP POST with its `performance.now()` time, ms. */
  onpost: ((at: number) => void) | null = null;
  /**
   * With `retry: false`: called once when the attempt failed (the player is `failed` and
   * stopped). `signalling` is true when the HTTP side failed (ICE servers or WHEP request: network
   * error, timeout, an error status), false when the media connection did (ICE/DTLS, no frames).
   */
  onfailure: ((reason: string, signalling: boolean) => void) | null = null;
  /** ICE servers of the current attempt (from `api/webrtc/ice-servers`), for tests; [] when none. */
  iceServers: RTCIceServer[] = [];

  private running = false;
  /** Bumped on every new attempt/teardown; callbacks of older attempts see a mismatch and do nothing. */
  private generation = 0;
  /** Absolute URL of the WHEP viewer resource (from the Location header). */
  private location: string | null = null;
  /** The offer exactly as POSTed; candidates already in it are not PATCHed again. */
  private offerSdp: string | null = null;
  /** Trickle lines ("a=candidate:..." / "a=end-of-candidates") waiting for the Location. */
  private pendingCandidates: string[] = [];
  /** False when the offer held every candidate, or the server said it does not support trickle (405/501). */
  private trickle = true;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 4000, jitter: 0 });
  private retryTimer: number | undefined;
  private disconnectTimer: number | undefined;
  private connectTimer: number | undefined;
  private statsTimer: number | undefined;
  /** framesDecoded at the last time it grew. */
  /** Frame-stall watchdog of the current connection ("connected" without a newly decoded frame). */
  private readonly progress = new FrameProgress();
  /** `performance.now()` when framesDecoded last grew (or "connected" was reached), in ms. */
  private readonly relay: boolean;
  private readonly retry: boolean;
  /** True when the probe is this player's (started and stopped with it). */
  private readonly ownsProbe: boolean;
  /** The failure being reported came from the HTTP side (see `onfailure`). */
  private signallingFailure = false;

  /**
   * @param cameraId camera id, for logging.
   * @param whepUrl WHEP endpoint path, e.g. "/whep/cam0".
   * @param video element the received stream is attached to.
   * @param api HTTP client that adds the bearer token.
   * @param latencyOptions window and idle settings of `latency`.
   * @param options relay-only, reconnect, shared probe: see `WhepOptions`.
   */
  constructor(
    readonly cameraId: string,
    private readonly whepUrl: string,
    readonly video: HTMLVideoElement,
    private readonly api: ApiClient,
    latencyOptions: LatencyProbeOptions = {},
    options: WhepOptions = {},
  ) {
    this.latency = options.probe ?? new LatencyProbe(video, latencyOptions);
    this.ownsProbe = options.probe === undefined;
    this.relay = options.relay ?? false;
    this.retry = options.retry ?? true;
  }

  /** Frames decoded in the current session (inbound-rtp `framesDecoded`), 0 before the first stats. */
  get framesDecoded(): number {
    return this.stats?.framesDecoded ?? 0;
  }

  /** Starts playing (no-op when already running). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.backoff.reset();
    if (this.ownsProbe) this.latency.start();
    void this.connect('connecting');
  }

  /**
   * Ends the session for good (until `start()`): closes the peer connection
   * and DELETEs the viewer resource.
   * @param keepalive true from `pagehide`, so the DELETE outlives the page.
   */
  stop(keepalive = false): void {
    this.running = false;
    this.teardown(keepalive);
    if (this.ownsProbe) this.latency.stop();
    this.video.srcObject = null;
    this.setState('stopped', null);
  }

  /** One WHEP attempt: offer, POST, answer. Failures schedule a retry. */
  private async connect(state: PlayerState): Promise<void> {
    this.teardown(false);
    const gen = this.generation;
    this.setState(state, this.lastError);

    // 1. the ICE servers the operator configured (TURN credentials for this viewer); none by default
    let iceServers: RTCIceServer[];
    try {
      iceServers = await fetchIceServers(this.api, POST_TIMEOUT_MS);
    } catch (err) {
      if (gen !== this.generation) return;
      this.failAttempt(gen, err);
      return;
    }
    if (gen !== this.generation) return;
    this.iceServers = iceServers;
    // 2. the peer connection: no STUN/TURN unless the server named some
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: this.relay ? 'relay' : 'all' });
    this.pc = pc;
    this.offerSdp = null;
    this.pendingCandidates = [];
    const sampler = new StatsSampler();

    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      if (gen !== this.generation) return;
      this.video.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      // Autoplay of a muted video is allowed; a rejection here only means the
      // element was detached or paused by the user, nothing to recover.
      this.video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => this.onConnectionState(gen, pc);
    pc.onicecandidate = (ev) => this.onCandidate(gen, ev.candidate);
    this.statsTimer = window.setInterval(() => void this.pollStats(gen, pc, sampler), STATS_INTERVAL_MS);

    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc, GATHER_TIMEOUT_MS);
      if (gen !== this.generation) return;
      const offer = pc.localDescription?.sdp;
      if (!offer) throw new Error('no local description');
      this.offerSdp = offer;
      // A complete offer already carries every candidate: nothing to trickle.
      this.trickle = pc.iceGatheringState !== 'complete';

      let res: Response;
      this.postedAt = performance.now();
      this.onpost?.(this.postedAt);
      try {
        res = await this.api.fetch(
          this.whepUrl,
          {
            method: 'POST',
            headers: {
              'Content-Type': 'application/sdp',
              Accept: 'application/sdp',
            },
            body: offer,
          },
          POST_TIMEOUT_MS,
        );
      } catch (err) {
        throw new Error(`server unreachable (${errorText(err)})`, { cause: err });
      }
      const location = res.ok ? res.headers.get('Location') : null;
      if (gen !== this.generation) {
        // Stopped or superseded while the POST was in flight: release the viewer we just created.
        if (location) this.deleteViewer(this.resolveLocation(location, res.url), false);
        return;
      }
      if (!res.ok) throw await HttpError.fromResponse(res);
      if (!location) throw new Error('WHEP answer without Location header');
      this.location = this.resolveLocation(location, res.url);
      const answer = await res.text();
      if (gen !== this.generation) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      void this.flushCandidates(gen);
      this.connectTimer = window.setTimeout(() => {
        if (gen === this.generation && pc.connectionState !== 'connected') {
          this.fail(gen, `not connected ${CONNECT_TIMEOUT_MS / 1000} s after the answer`);
        }
      }, CONNECT_TIMEOUT_MS);
    } catch (err) {
      if (gen !== this.generation) return;
      this.failAttempt(gen, err);
    }
  }

  /**
   * The `Location` of a WHEP answer as an absolute URL: a full path through `ApiClient.resolve`
   * (it may lack the page's path prefix), anything else against the POST URL.
   */
  private resolveLocation(location: string, postUrl: string): string {
    return location.startsWith('/') && !location.startsWith('//')
      ? this.api.resolve(location)
      : new URL(location, postUrl).href;
  }

  /** An attempt failed before or during the POST: final on 401/403, else retried. */
  private failAttempt(gen: number, err: unknown): void {
    if (err instanceof HttpError && err.unauthorised) {
      this.lastError = err.message;
      this.running = false;
      this.teardown(false);
      this.setState('failed', err.message);
      this.onunauthorised?.();
      this.onfailure?.(err.message, true);
      return;
    }
    // Retryable (server down/restarting, camera not running) -> "reconnecting";
    // other client errors are unexpected but may be a transient server bug,
    // so keep retrying slowly while showing "failed".
    const hard = err instanceof HttpError && !err.retryable;
    this.signallingFailure = true;
    try {
      this.fail(gen, errorText(err), hard ? 'failed' : 'reconnecting');
    } finally {
      this.signallingFailure = false;
    }
  }

  private onConnectionState(gen: number, pc: RTCPeerConnection): void {
    if (gen !== this.generation) return;
    switch (pc.connectionState) {
      case 'connected':
        window.clearTimeout(this.disconnectTimer);
        this.disconnectTimer = undefined;
        window.clearTimeout(this.connectTimer);
        this.connectTimer = undefined;
        if (this.state !== 'connected') {
          this.progress.reset(performance.now());
          this.lastError = null;
          this.setState('connected', null);
        }
        break;
      case 'disconnected':
        // Often a short blip (consent check lost); give ICE a moment to recover.
        if (this.disconnectTimer === undefined) {
          this.disconnectTimer = window.setTimeout(() => {
            this.disconnectTimer = undefined;
            if (gen === this.generation && pc.connectionState === 'disconnected') {
              this.fail(gen, `disconnected for more than ${DISCONNECTED_GRACE_MS / 1000} s`);
            }
          }, DISCONNECTED_GRACE_MS);
        }
        break;
      case 'failed':
      case 'closed':
        this.fail(gen, `connection ${pc.connectionState}`);
        break;
      default:
        break;
    }
  }

  /** Reads stats, publishes them and runs the frame-stall watchdog. */
  private async pollStats(gen: number, pc: RTCPeerConnection, sampler: StatsSampler): Promise<void> {
    let sample: StatsSample;
    try {
      sample = sampler.sample(await pc.getStats());
    } catch {
      return; // pc closed between ticks; the next attempt has its own timer
    }
    if (gen !== this.generation) return;
    this.stats = sample;
    this.onstats?.(sample);
    if (this.state !== 'connected') return;
    const now = performance.now();
    if (this.progress.advanced(sample.framesDecoded, now)) {
      this.backoff.reset(); // frames flow: the next outage starts again at 0.5 s
    } else if (this.progress.stalled(now)) {
      this.fail(gen, `no frames decoded for ${this.progress.stallMs / 1000} s`);
    }
  }

  /** Queues a locally gathered candidate for trickle (RFC 8840) if the offer did not carry it. */
  private onCandidate(gen: number, candidate: RTCIceCandidate | null): void {
    if (gen !== this.generation || !this.trickle) return;
    // Before the offer is taken, every candidate ends up inside the offer SDP.
    if (this.offerSdp === null) return;
    if (candidate === null) {
      if (!this.offerSdp.includes('a=end-of-candidates')) this.pendingCandidates.push('a=end-of-candidates');
    } else if (candidate.candidate && !this.offerSdp.includes(candidate.candidate)) {
      this.pendingCandidates.push(`a=${candidate.candidate}`);
    } else {
      return;
    }
    void this.flushCandidates(gen);
  }

  /** PATCHes queued candidates to the viewer resource once its Location is known. */
  private async flushCandidates(gen: number): Promise<void> {
    if (!this.location || !this.offerSdp || this.pendingCandidates.length === 0 || !this.trickle) return;
    const lines = this.pendingCandidates.splice(0);
    const fragment = buildSdpFragment(this.offerSdp, lines);
    if (!fragment) return;
    try {
      const res = await this.api.fetch(this.location, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' },
        body: fragment,
      });
      if (gen === this.generation && (res.status === 405 || res.status === 501)) this.trickle = false;
    } catch {
      // Trickle is optional here: the server is ICE-lite and learns our
      // address from our connectivity checks, so a lost PATCH is harmless.
    }
  }

  /** Ends the current attempt and schedules the next one after the backoff delay. */
  private fail(gen: number, reason: string, state: PlayerState = 'reconnecting'): void {
    if (gen !== this.generation || !this.running) return;
    this.lastError = reason;
    if (!this.retry) {
      this.running = false;
      this.teardown(false);
      this.setState('failed', reason);
      this.onfailure?.(reason, this.signallingFailure);
      return;
    }
    this.teardown(false);
    this.reconnects++;
    const delay = this.backoff.next();
    this.setState(state, reason);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running) void this.connect(state === 'failed' ? 'failed' : 'reconnecting');
    }, delay);
  }

  /** Closes the peer connection, cancels timers and releases the viewer resource. */
  private teardown(keepalive: boolean): void {
    this.generation++;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.disconnectTimer);
    window.clearTimeout(this.connectTimer);
    window.clearInterval(this.statsTimer);
    this.retryTimer = this.disconnectTimer = this.connectTimer = this.statsTimer = undefined;
    this.progress.reset(0);
    this.pendingCandidates = [];
    this.stats = null;
    if (this.pc) {
      const pc = this.pc;
      pc.ontrack = pc.onconnectionstatechange = pc.onicecandidate = null;
      pc.close();
      this.pc = null;
    }
    if (this.location) {
      this.deleteViewer(this.location, keepalive);
      this.location = null;
    }
  }

  private deleteViewer(url: string, keepalive: boolean): void {
    this.api.fetch(url, { method: 'DELETE', keepalive }, 2000).catch(() => {
      // Best effort only: after a server restart the viewer no longer exists,
      // and when the server is down nobody is listening. The server also
      // reaps viewers whose ICE consent expires, so nothing leaks.
    });
  }

  private setState(state: PlayerState, reason: string | null): void {
    if (state === this.state) return;
    const prev = this.state;
    this.state = state;
    console.info(`[${this.cameraId}] ${prev} -> ${state}${reason ? ` (${reason})` : ''}`);
    this.onstatechange?.(state, reason);
  }
}

/** Resolves when ICE gathering is complete or after `timeoutMs` milliseconds. */
function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      window.clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = (): void => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = window.setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/**
 * Builds an RFC 8840 trickle fragment: ICE credentials, the first m= line and
 * its mid from `offerSdp`, then `lines` (a=candidate / a=end-of-candidates).
 * Returns null when the offer lacks what is needed.
 */
function buildSdpFragment(offerSdp: string, lines: string[]): string | null {
  const sdp = offerSdp.split(/\r?\n/);
  const ufrag = sdp.find((l) => l.startsWith('a=ice-ufrag:'));
  const pwd = sdp.find((l) => l.startsWith('a=ice-pwd:'));
  const mline = sdp.find((l) => l.startsWith('m='));
  const mid = sdp.find((l) => l.startsWith('a=mid:'));
  if (!ufrag || !pwd || !mline) return null;
  const out = [ufrag, pwd, mline];
  if (mid) out.push(mid);
  out.push(...lines);
  return out.join('\r\n') + '\r\n';
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.name === 'TimeoutError' ? 'timed out' : err.message;
  return String(err);
}
