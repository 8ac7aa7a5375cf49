import type { Logger } from 'pino';
import { InvalidStateError } from '../core/errors.js';
import type {
  DirSourceStats,
  HelloData,
  OverlayItem,
  OverlayLayer,
  RecordingEvent,
  RecordingResult,
  RtmpEvent,
  SourceState,
  StillVariant,
  StatsData,
  StillsState,
} from '../camerad/CameradProtocol.js';
import { CameradSupervisor } from '../camerad/CameradSupervisor.js';
import type { AnalysisAck, CameradState, CameradSupervisorOptions } from '../camerad/CameradSupervisorTypes.js';
import { PictureFlag, type Picture } from '../camerad/PictureMessage.js';
import { maskSourceUrl } from '../camerad/sourceCredentials.js';
import { RtpIngest, type RtpIngestStats, type RtpListener } from '../rtp/RtpIngest.js';
import type { KeyframeReason, Sfu } from '../sfu/SfuTypes.js';
import type {
  AnalysisFrame,
  AnalysisListener,
  CameraStatus,
  GrabbedFrame,
  GrabOptions,
  HostCaptureService,
  HostCaptureStatus,
  Still,
  StillListener,
} from './CameraTypes.js';
import { CameraRestorer } from './CameraRestorer.js';
import { HostCaptureServiceFile, hostCaptureLostReason } from './HostCaptureServiceFile.js';
import { KeyframeRequester } from './KeyframeRequester.js';

/** Options of {@link Camera.create}. */
export interface CameraOptions {
  id: string;
  name: string;
  source: string;
  width: number;
  height: number;
  /** Output frame rate, frames/s. */
  fps: number;
  /** UDP port on 127.0.0.1 where camerad sends RTP. */
  rtpPort: number;
  camerad: CameradSupervisorOptions;
  /** Least time between two keyframe requests to camerad, in ms. */
  keyframeMinIntervalMs: number;
  /** Draw the latency probe at start (camerad's `--latency-probe`). */
  latencyProbe: boolean;
}

/**
 * One configured camera: its camerad (supervised), its RTP ingest, and its registration in
 * the SFU. Owns all three and closes them in reverse order.
 */
export class Camera {
  readonly id: string;
  readonly #options: CameraOptions;
  readonly #supervisor: CameradSupervisor;
  readonly #ingest: RtpIngest;
  readonly #keyframes: KeyframeRequester;
  readonly #sfu: Sfu;
  readonly #logger: Logger;
  #sourceState: SourceState | null = null;
  /** camerad's reason for the current source loss; null while the source is live. */
  #sourceLostReason: string | null = null;
  /** Probe, analysis and stills switched at run time, re-applied after a camerad restart. */
  readonly #restorer: CameraRestorer;
  readonly #analysisListeners = new Set<AnalysisListener>();
  readonly #stillListeners = new Set<StillListener>();
  /** A dir:// camera's host-capture status file (read only once camerad reports that layout). */
  readonly #hostCapture: HostCaptureServiceFile | undefined;
  #closed = false;

  private constructor(options: CameraOptions, ingest: RtpIngest, sfu: Sfu, logger: Logger) {
    this.id = options.id;
    this.#options = options;
    this.#ingest = ingest;
    this.#sfu = sfu;
    this.#logger = logger.child({ module: 'camera', camera: options.id });
    this.#supervisor = new CameradSupervisor(options.camerad, logger);
    if (options.source.startsWith('dir://')) {
      this.#hostCapture = new HostCaptureServiceFile(decodeURIComponent(options.source.slice('dir://'.length)));
    }
    this.#keyframes = new KeyframeRequester(
      () => this.#supervisor.request('keyframe'),
      options.keyframeMinIntervalMs,
      logger.child({ module: 'keyframes', camera: options.id }),
    );
    this.#restorer = new CameraRestorer({
      requests: this.#supervisor,
      latencyProbe: options.latencyProbe,
      logger: this.#logger,
    });
    this.#supervisor.on('hello', (hello) => {
      this.#sourceState = hello.source_state;
      // RTP is taken from this camerad's sending port and SSRC only (native/PROTOCOL.md, hello).
      ingest.setSource(
        hello.rtp_source_port === undefined ? undefined : { port: hello.rtp_source_port, ssrc: hello.rtp.ssrc },
      );
      if (hello.rtp_source_port === undefined) {
        this.#logger.error('camerad does not report rtp_source_port (older than this server): no RTP is accepted');
      } else {
        // Packets sent before this hello were dropped, the first IDR among them: ask for one now so
        // that the GOP cache holds a keyframe before the next periodic one (new viewers start at once).
        this.#keyframes.request('camerad (re)started: fill the GOP cache');
      }
      // A restarted camerad starts from its flags: re-apply what was switched at run time.
      this.#restorer.restore(hello);
    });
    this.#supervisor.on('still', (picture) => this.#deliverStill(picture));
    this.#supervisor.on('analysis', (picture, ack) => void this.#deliverAnalysis(picture, ack));
    this.#supervisor.on('stats', (stats) => (this.#sourceState = stats.source_state));
    this.#supervisor.on('sourcelost', (reason) => {
      this.#sourceState = 'lost';
      this.#sourceLostReason = reason;
    });
    this.#supervisor.on('sourcerecovered', () => {
      this.#sourceState = 'live';
      this.#sourceLostReason = null;
    });
    this.#supervisor.on('state', (state) => {
      if (state === 'running') return;
      this.#sourceState = null;
      // Gone or restarting: its old port may be anyone's now; the next hello names the new one.
      ingest.setSource(undefined);
    });
  }

  /**
   * Binds the RTP ingest, registers the camera with the SFU and starts supervising camerad.
   * @throws Error when the RTP port cannot be bound.
   */
  static async create(options: CameraOptions, sfu: Sfu, logger: Logger): Promise<Camera> {
    const ingest = await RtpIngest.create(
      { port: options.rtpPort },
      logger.child({ module: 'rtp', camera: options.id }),
    );
    const camera = new Camera(options, ingest, sfu, logger);
    sfu.addCamera({
      id: options.id,
      source: ingest,
      requestKeyframe: (reason) => camera.#keyframes.request(reason),
    });
    camera.#supervisor.start();
    return camera;
  }

  /** Output picture size, px (what viewers see; overlay boxes are in these pixels). */
  get size(): { width: number; height: number } {
    return { width: this.#options.width, height: this.#options.height };
  }

  /**
   * The camerad supervisor itself, for tests that poke camerad on purpose (kill it, wait for it).
   * Server code uses {@link state}, {@link pid}, {@link cameradStats}, {@link onState} and
   * {@link onRestarted} instead.
   */
  get supervisor(): CameradSupervisor {
    return this.#supervisor;
  }

  /** camerad's supervision state (`running` once its hello came). */
  get state(): CameradState {
    return this.#supervisor.state;
  }

  /** camerad's pid when one runs (spawn mode, or as its hello reported). */
  get pid(): number | undefined {
    return this.#supervisor.pid;
  }

  /** camerad's last `stats` notification (about once a second), undefined before the first. */
  get cameradStats(): StatsData | undefined {
    return this.#supervisor.stats;
  }

  /** Adds a listener for camerad's state changes (`restarting` when it went away). @returns a remover. */
  onState(listener: (state: CameradState) => void): () => void {
    this.#supervisor.on('state', listener);
    return () => this.#supervisor.off('state', listener);
  }

  /**
   * Adds a listener called at each camerad hello: its first start and every restart or
   * reconnection after (another `hello.pid` means a new process: its branches and recordings
   * are gone). The camera has already re-applied its run-time settings (probe, analysis,
   * stills) when it is called. @returns a remover.
   */
  onRestarted(listener: (hello: HelloData) => void): () => void {
    this.#supervisor.on('hello', listener);
    return () => this.#supervisor.off('hello', listener);
  }

  /** Adds a listener for camerad's `stats` notifications. @returns a remover. */
  onCameradStats(listener: (stats: StatsData) => void): () => void {
    this.#supervisor.on('stats', listener);
    return () => this.#supervisor.off('stats', listener);
  }

  /** The RTP ingest's counters (packets taken, dropped, from foreign senders). */
  get ingestStats(): RtpIngestStats {
    return this.#ingest.stats;
  }

  /**
   * Adds a listener of the camera's RTP as the SFU gets it (normalised by the ingest: one SSRC,
   * continuous sequence numbers and timestamps). Each packet is the same Buffer for every
   * listener, delivered synchronously: read it, never keep or change it.
   * @param onRestart called when camerad restarted (a new RTP session begins).
   * @returns a function that removes both listeners.
   * @throws InvalidStateError when the camera is closed.
   */
  subscribeRtp(listener: RtpListener, onRestart?: () => void): () => void {
    const removeRtp = this.#ingest.subscribe(listener);
    const removeRestart = onRestart ? this.#ingest.onSourceRestart(onRestart) : undefined;
    return () => {
      removeRtp();
      removeRestart?.();
    };
  }

  /** Asks camerad for an IDR, rate-limited (`camerad.keyframeMinIntervalMs`); `reason` is logged. */
  requestKeyframe(reason: KeyframeReason): void {
    this.#keyframes.request(reason);
  }

  /** True when camerad is connected and can take viewers. */
  get running(): boolean {
    return this.#supervisor.state === 'running';
  }

  status(): CameraStatus {
    const hello = this.#supervisor.hello;
    const stats = this.#supervisor.stats;
    const running = this.running;
    const service = stats?.dir?.layout === 'host-capture' ? (this.#hostCapture?.current() ?? null) : null;
    return {
      id: this.id,
      name: this.#options.name,
      source: maskSourceUrl(this.#options.source),
      state: this.#supervisor.state,
      encoder: hello?.encoder ?? null,
      width: hello?.width ?? this.#options.width,
      height: hello?.height ?? this.#options.height,
      fps: running && stats ? stats.fps_out : null,
      bitrate_kbps: running && stats ? stats.bitrate_kbps : null,
      keyframe_requests: stats?.keyframe_requests ?? 0,
      keyframes: stats?.keyframes ?? 0,
      source_state: this.#sourceState,
      viewers: this.#sfu.viewers(this.id).length,
      restarts: this.#supervisor.restarts,
      ingest_kbps: this.#ingest.stats.bitrateKbps,
      pid: running ? (this.#supervisor.pid ?? null) : null,
      frames_out: stats?.frames_out ?? 0,
      latency_probe: running ? (stats?.latency_probe ?? hello?.latency_probe ?? null) : null,
      whep: `/whep/${encodeURIComponent(this.id)}`,
      last_error: this.#supervisor.state === 'failed' ? (this.#supervisor.lastError ?? null) : null,
      source_lost_reason: this.#sourceState === 'lost' ? this.#lostReason(service) : null,
      ...(stats?.dir ? { host_capture: hostCaptureStatus(stats.dir, service, Date.now()) } : {}),
    };
  }

  /** camerad's reason for the source loss, and host-capture's own when it has one (its command's error). */
  #lostReason(service: HostCaptureService | null): string | null {
    const fromService = hostCaptureLostReason(service);
    if (!fromService) return this.#sourceLostReason;
    return this.#sourceLostReason ? `${this.#sourceLostReason}; ${fromService}` : fromService;
  }

  /**
   * Switches the latency probe strip (docs/latency-probe.md) on or off, now and after camerad
   * restarts.
   * @returns the state camerad reports.
   * @throws InvalidStateError when camerad is not connected (the wish is kept for its next start).
   */
  async setLatencyProbe(enabled: boolean): Promise<boolean> {
    this.#restorer.wantLatencyProbe(enabled);
    const result = await this.#supervisor.request('probe', { enabled });
    return result.enabled;
  }

  /**
   * Switches analysis frames on or off, now and after camerad restarts (camerad's
   * `--analysis-fps` is the state until this is called).
   * @param fps frames per second, in (0, 60]; omitted: the rate camerad last used (5 by default).
   * @returns the state camerad reports, with the analysis picture size.
   * @throws TypeError when `fps` is out of range.
   * @throws InvalidStateError when camerad is not connected (the wish is kept for its next start).
   */
  async setAnalysis(
    enabled: boolean,
    fps?: number,
  ): Promise<{ enabled: boolean; fps: number; width: number; height: number }> {
    if (fps !== undefined && !(Number.isFinite(fps) && fps > 0 && fps <= 60)) {
      throw new TypeError(`fps must be a number in (0, 60], got ${fps}`);
    }
    return this.#supervisor.request('analysis', this.#restorer.wantAnalysis({ enabled, fps }));
  }

  /**
   * Adds a listener for analysis frames (see {@link AnalysisListener}: the acknowledgement that
   * lets camerad send the next frame goes out once every listener's promise settled; a listener
   * that throws or rejects is logged). Frames arrive only while analysis is on ({@link setAnalysis}
   * or the camera's `analysisFps`).
   * @returns a function that removes the listener.
   */
  onAnalysis(listener: AnalysisListener): () => void {
    this.#analysisListeners.add(listener);
    return () => this.#analysisListeners.delete(listener);
  }

  /**
   * The next full-size output frame as JPEG or RGB24.
   * @throws InvalidStateError when camerad is not connected.
   * @throws CameradError `busy` (4 grabs in progress), `too_large` (RGB over 16 MiB), `bad_request`.
   */
  async grab(options: GrabOptions = {}): Promise<GrabbedFrame> {
    const format = options.format ?? 'jpeg';
    const params: { format: 'rgb' | 'jpeg'; overlays?: boolean; quality?: number } = { format };
    if (options.overlays !== undefined) params.overlays = options.overlays;
    if (options.quality !== undefined) params.quality = options.quality;
    const { result, picture } = await this.#supervisor.requestWithPicture('grab', params);
    return {
      format: result.format,
      width: picture.width,
      height: picture.height,
      stride: picture.stride,
      data: picture.data,
      frame: picture.frame,
      captureTimeMs: Math.floor(picture.captureTimeUs / 1000),
      overlays: (picture.flags & PictureFlag.overlays) !== 0,
      noSignal: (picture.flags & PictureFlag.noSignal) !== 0,
    };
  }

  /**
   * Sets the items (boxes, keypoints, polylines; output pixels) camerad draws into the video in
   * one layer; each item disappears after its `ttl_ms`. A layer belongs to one producer (e.g.
   * `faces`, `hands`): `replace` (the default) replaces that layer's items only (`[]` clears it),
   * the other layers' items stay. With `replace: false` the items are merged into the layer: an
   * item with an `id` replaces the layer's item with that id. Overlays are not restored after a
   * camerad restart: they are short-lived and the next detection sends them again.
   * @param options.layer the layer, 1..32 characters a-z 0-9 `_` `-`; default camerad's
   *   `"default"` layer.
   * @returns the number of items drawn now, all layers.
   * @throws CameradError `bad_request` naming the field (e.g. `items[2].color`, `layer`) when one
   *   is invalid or a bound (8 layers, 64 items and 1024 points per layer) is exceeded.
   * @throws InvalidStateError when camerad is not connected.
   */
  async setOverlays(items: OverlayItem[], options: { replace?: boolean; layer?: OverlayLayer } = {}): Promise<number> {
    if (!Array.isArray(items)) throw new TypeError('items must be an array');
    const result = await this.#supervisor.request('overlays', {
      items,
      replace: options.replace ?? true,
      ...(options.layer === undefined ? {} : { layer: options.layer }),
    });
    return result.items;
  }

  /** Output frame rate, frames/s (camerad's `--fps`; what recordings and RTMP carry). */
  get fps(): number {
    return this.#supervisor.hello?.fps ?? this.#options.fps;
  }

  /**
   * Switches one JPEG still stream on or off, now and after camerad restarts. Stills are
   * full-size JPEGs of the output frames (`clean`: the source picture; `overlays`: with the
   * private overlay policy), encoded by camerad only while on.
   * @param options.fps stills per second, in (0, 30]; omitted: the last rate (15 at first).
   * @param options.quality JPEG quality 1..100; omitted: the last one (80 at first).
   * @throws TypeError when `fps` or `quality` is out of range.
   * @throws InvalidStateError when camerad is not connected (the wish is kept for its next start).
   */
  async setStills(
    variant: StillVariant,
    options: { enabled: boolean; fps?: number; quality?: number },
  ): Promise<StillsState> {
    if (options.fps !== undefined && !(Number.isFinite(options.fps) && options.fps > 0 && options.fps <= 30)) {
      throw new TypeError(`fps must be a number in (0, 30], got ${options.fps}`);
    }
    if (
      options.quality !== undefined &&
      !(Number.isInteger(options.quality) && options.quality >= 1 && options.quality <= 100)
    ) {
      throw new TypeError(`quality must be an integer in 1..100, got ${options.quality}`);
    }
    const wanted = { enabled: options.enabled, fps: options.fps, quality: options.quality };
    return this.#supervisor.request('stills', this.#restorer.wantStill(variant, wanted));
  }

  /**
   * Adds a listener for JPEG stills (both variants; see {@link setStills}). Listeners run
   * synchronously on the socket's data event: they must only queue the buffer.
   * @returns a function that removes the listener.
   */
  onStill(listener: StillListener): () => void {
    this.#stillListeners.add(listener);
    return () => this.#stillListeners.delete(listener);
  }

  /**
   * Starts recording the encoded stream (no re-encode) into a fragmented MP4 at `path`.
   * @param path absolute path of a new `.mp4` file in an existing folder (chosen by the server, never by a user).
   * @param options.fragmentMs fragment length in ms (200..10000, default 1000): at most this much is lost on a crash.
   * @throws CameradError `busy` (a recording runs or the previous one is still finishing), `bad_request` (path,
   *   or the recording branch could not start).
   * @throws InvalidStateError when camerad is not connected.
   */
  async startRecording(
    path: string,
    options: { fragmentMs?: number } = {},
  ): Promise<{ path: string; fragment_ms: number }> {
    return this.#supervisor.request(
      'record_start',
      options.fragmentMs === undefined ? { path } : { path, fragment_ms: options.fragmentMs },
    );
  }

  /**
   * Finishes the running recording.
   * @throws CameradError `not_recording`.
   * @throws InvalidStateError when camerad is not connected (a restart has ended the recording).
   */
  async stopRecording(): Promise<RecordingResult> {
    return this.#supervisor.request('record_stop', {}, { timeoutMs: 10_000 });
  }

  /** Adds a listener for the recording branch's state changes. @returns a remover. */
  onRecording(listener: (event: RecordingEvent) => void): () => void {
    this.#supervisor.on('recording', listener);
    return () => this.#supervisor.off('recording', listener);
  }

  /**
   * Starts publishing the encoded stream to an RTMP ingest. camerad does not reconnect by
   * itself: a `failed` event ends the branch (see media/rtmp for the retrying egress).
   * @throws CameradError `busy` (already publishing), `bad_request` (url).
   * @throws InvalidStateError when camerad is not connected.
   */
  async startRtmp(url: string): Promise<{ state: 'connecting' }> {
    return this.#supervisor.request('rtmp_start', { url });
  }

  /**
   * Stops publishing.
   * @throws CameradError `not_streaming`.
   */
  async stopRtmp(): Promise<{ bytes_sent: number }> {
    return this.#supervisor.request('rtmp_stop', {}, { timeoutMs: 10_000 });
  }

  /** Adds a listener for the RTMP branch's state changes (errors are redacted). @returns a remover. */
  onRtmp(listener: (event: RtmpEvent) => void): () => void {
    this.#supervisor.on('rtmp', listener);
    return () => this.#supervisor.off('rtmp', listener);
  }

  /** Closes viewers, camerad (spawn mode) and the ingest. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#analysisListeners.clear();
    this.#stillListeners.clear();
    this.#keyframes.close();
    this.#sfu.removeCamera(this.id);
    await this.#supervisor.close();
    this.#ingest.close();
  }

  #deliverStill(picture: Picture): void {
    if (this.#closed || this.#stillListeners.size === 0) return;
    const variant: StillVariant | undefined =
      picture.requestId === 1 ? 'clean' : picture.requestId === 2 ? 'overlays' : undefined;
    if (variant === undefined) return;
    const still: Still = {
      variant,
      jpeg: picture.data,
      frame: picture.frame,
      captureTimeMs: Math.floor(picture.captureTimeUs / 1000),
      width: picture.width,
      height: picture.height,
      overlays: (picture.flags & PictureFlag.overlays) !== 0,
    };
    for (const listener of this.#stillListeners) {
      try {
        listener(still);
      } catch (error) {
        this.#logger.warn({ err: error }, 'still listener failed');
      }
    }
  }

  /** Hands a frame to the listeners, then acknowledges it (so the next one can come). */
  async #deliverAnalysis(picture: Picture, ack: AnalysisAck): Promise<void> {
    if (!this.#closed && this.#analysisListeners.size > 0) {
      const frame: AnalysisFrame = {
        frame: picture.frame,
        captureTimeMs: Math.floor(picture.captureTimeUs / 1000),
        width: picture.width,
        height: picture.height,
        stride: picture.stride,
        rgb: picture.data,
        data: picture.data,
      };
      const results = await Promise.allSettled([...this.#analysisListeners].map(async (listener) => listener(frame)));
      for (const result of results) {
        if (result.status === 'rejected') {
          this.#logger.warn({ err: result.reason, frame: picture.frame }, 'analysis listener failed');
        }
      }
    }
    try {
      await ack();
    } catch (error) {
      // A channel closed meanwhile (camerad restarting) has nothing in flight any more.
      if (!(error instanceof InvalidStateError)) this.#logger.warn({ err: error }, 'cannot acknowledge analysis frame');
    }
  }
}

/** `/api/status`'s view of camerad's dir:// figures at `nowMs` (ms since the Unix epoch). */
function hostCaptureStatus(dir: DirSourceStats, service: HostCaptureService | null, nowMs: number): HostCaptureStatus {
  const at = dir.last_capture_ms;
  return {
    layout: dir.layout,
    metadata: dir.metadata,
    image_age_ms: at === null ? null : Math.max(0, nowMs - at),
    captured_at: at === null ? null : new Date(at).toISOString(),
    last_sequence: dir.last_sequence,
    captures_last_minute: dir.images_last_minute,
    gaps: dir.gaps,
    rejected: dir.rejected,
    last_rejection: dir.last_rejection,
    service,
  };
}
