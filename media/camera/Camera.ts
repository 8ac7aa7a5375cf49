import type { Logger } from 'pino';
import { InvalidStateError } from '../core/errors.js';
import type { HelloData, OverlayItem, SourceState } from '../camerad/CameradProtocol.js';
import { CameradSupervisor } from '../camerad/CameradSupervisor.js';
import type { AnalysisAck, CameradSupervisorOptions } from '../camerad/CameradSupervisorTypes.js';
import { PictureFlag, type Picture } from '../camerad/PictureMessage.js';
import { RtpIngest } from '../rtp/RtpIngest.js';
import type { Sfu } from '../sfu/SfuTypes.js';
import type { AnalysisFrame, AnalysisListener, CameraStatus, GrabbedFrame, GrabOptions } from './CameraTypes.js';
import { KeyframeRequester } from './KeyframeRequester.js';

/** Options of {@link Camera.create}. */
export interface CameraOptions {
  id: string;
  name: string;
  source: string;
  width: number;
  height: number;
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
  #latencyProbe: boolean;
  /** Analysis wanted since setAnalysis(); undefined: as camerad was started (--analysis-fps). */
  #analysis: { enabled: boolean; fps?: number } | undefined;
  readonly #analysisListeners = new Set<AnalysisListener>();
  #closed = false;

  private constructor(options: CameraOptions, ingest: RtpIngest, sfu: Sfu, logger: Logger) {
    this.id = options.id;
    this.#options = options;
    this.#ingest = ingest;
    this.#sfu = sfu;
    this.#logger = logger.child({ module: 'camera', camera: options.id });
    this.#supervisor = new CameradSupervisor(options.camerad, logger);
    this.#keyframes = new KeyframeRequester(
      () => this.#supervisor.request('keyframe'),
      options.keyframeMinIntervalMs,
      logger.child({ module: 'keyframes', camera: options.id }),
    );
    this.#latencyProbe = options.latencyProbe;
    this.#supervisor.on('hello', (hello) => {
      this.#sourceState = hello.source_state;
      // A restarted camerad starts from its flags: re-apply a probe switched at run time.
      if (hello.latency_probe !== this.#latencyProbe) {
        this.#supervisor
          .request('probe', { enabled: this.#latencyProbe })
          .catch((error: unknown) =>
            logger.warn({ err: error, camera: options.id }, 'cannot restore the latency probe'),
          );
      }
      this.#restoreAnalysis(hello);
    });
    this.#supervisor.on('analysis', (picture, ack) => void this.#deliverAnalysis(picture, ack));
    this.#supervisor.on('stats', (stats) => (this.#sourceState = stats.source_state));
    this.#supervisor.on('sourcelost', () => (this.#sourceState = 'lost'));
    this.#supervisor.on('sourcerecovered', () => (this.#sourceState = 'live'));
    this.#supervisor.on('state', (state) => {
      if (state !== 'running') this.#sourceState = null;
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

  get supervisor(): CameradSupervisor {
    return this.#supervisor;
  }

  /** True when camerad is connected and can take viewers. */
  get running(): boolean {
    return this.#supervisor.state === 'running';
  }

  status(): CameraStatus {
    const hello = this.#supervisor.hello;
    const stats = this.#supervisor.stats;
    const running = this.running;
    return {
      id: this.id,
      name: this.#options.name,
      source: this.#options.source,
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
    };
  }

  /**
   * Switches the latency probe strip (docs/latency-probe.md) on or off, now and after camerad
   * restarts.
   * @returns the state camerad reports.
   * @throws InvalidStateError when camerad is not connected (the wish is kept for its next start).
   */
  async setLatencyProbe(enabled: boolean): Promise<boolean> {
    this.#latencyProbe = enabled;
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
    this.#analysis = fps === undefined ? { enabled } : { enabled, fps };
    return this.#supervisor.request('analysis', this.#analysis);
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
   * Sets the boxes camerad draws into the video (boxes in output pixels; each disappears after
   * its `ttl_ms`). With `replace: false` the items are merged: an item with an `id` replaces the
   * one with the same id. Overlays are not restored after a camerad restart: they are short-lived
   * and the next detection sends them again.
   * @returns the number of items drawn now.
   * @throws CameradError `bad_request` naming the field (e.g. `items[2].color`) when one is invalid.
   * @throws InvalidStateError when camerad is not connected.
   */
  async setOverlays(items: OverlayItem[], options: { replace?: boolean } = {}): Promise<number> {
    if (!Array.isArray(items)) throw new TypeError('items must be an array');
    const result = await this.#supervisor.request('overlays', { items, replace: options.replace ?? true });
    return result.items;
  }

  /** Closes viewers, camerad (spawn mode) and the ingest. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#analysisListeners.clear();
    this.#keyframes.close();
    this.#sfu.removeCamera(this.id);
    await this.#supervisor.close();
    this.#ingest.close();
  }

  /** A restarted camerad starts from its flags: re-applies an analysis state set at run time. */
  #restoreAnalysis(hello: HelloData): void {
    const wanted = this.#analysis;
    if (!wanted) return;
    const differs = wanted.enabled
      ? hello.analysis_fps === 0 || (wanted.fps !== undefined && hello.analysis_fps !== wanted.fps)
      : hello.analysis_fps !== 0;
    if (!differs) return;
    this.#supervisor
      .request('analysis', wanted)
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot restore analysis frames'));
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
