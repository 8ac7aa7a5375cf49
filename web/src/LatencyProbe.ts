import { PROBE_BLOCKS, decodeProbe, probeBlockSize } from './probeCodec';

/** One frame whose latency probe strip was decoded. */
export interface ProbeSample {
  /** Capture time carried by the frame, ms since the Unix epoch (camerad's `g_get_real_time() / 1000`). */
  captureMs: number;
  /** When the frame is expected on screen (`expectedDisplayTime`), ms in the `performance.now()` time base. */
  displayAt: number;
  /** Glass-to-glass delay: `performance.timeOrigin + displayAt − captureMs`, ms. */
  latencyMs: number;
  /**
   * Last packet of the frame received → expected on screen (jitter buffer, decode, render), ms;
   * null when unknown (WebRTC reports `receiveTime`; the WebCodecs player the message's arrival; MSE nothing).
   */
  receiveToDisplayMs: number | null;
}

/** Options of `LatencyProbe`. */
export interface LatencyProbeOptions {
  /** Samples kept for `percentile()` / `samples()`, newest win. Default 600 (20 s at 30 fps). */
  capacity?: number;
  /** Consecutive failed decodes after which only every `idleStride`-th frame is tried. Default 60. */
  idleAfter?: number;
  /** While idle (no probe seen lately), decode one frame in this many. Default 15 (2/s at 30 fps). */
  idleStride?: number;
}

/**
 * Measures glass-to-glass latency from the probe strip (docs/latency-probe.md) in every frame a
 * `<video>` presents: `requestVideoFrameCallback` gives each presented frame and its
 * `expectedDisplayTime`; the strip region alone (56·B × B px at the video's intrinsic size) is
 * drawn on a small canvas and decoded with `decodeProbe`. Sender and viewer must share a clock
 * (same machine), as camerad writes wall-clock time.
 *
 * Frames without a valid strip count as `decodeFailures`; after `idleAfter` of them in a row the
 * probe tries only one frame in `idleStride`, so a camera without a probe costs next to nothing.
 * Needs a visible page: hidden tabs get almost no frame callbacks (../shared/design/MEDIA-NOTES.md).
 */
export class LatencyProbe {
  /** Newest decoded sample, null before the first. */
  latest: ProbeSample | null = null;
  /** Frames decoded with a valid probe since `start()` / `reset()`. */
  count = 0;
  /** Frames tried whose strip was missing or damaged (sync or CRC mismatch) since `start()` / `reset()`. */
  decodeFailures = 0;
  /** Frames presented by the video (probe or not) since `start()`. */
  framesPresented = 0;
  /** `performance.now()`-based `expectedDisplayTime` of the first frame presented after `start()`, ms; null before. */
  firstFrameAt: number | null = null;
  /** `performance.now()` of the newest valid decode, ms; null before the first. */
  lastDecodedAt: number | null = null;

  private readonly capacity: number;
  private readonly idleAfter: number;
  private readonly idleStride: number;
  /** Ring buffer of the newest `capacity` samples; `next` is the slot written next. */
  private readonly ring: ProbeSample[] = [];
  private next = 0;
  private consecutiveFailures = 0;
  private callbackId: number | null = null;
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;

  /**
   * @param video element whose presented frames are measured.
   * @param options see `LatencyProbeOptions`.
   */
  constructor(
    readonly video: HTMLVideoElement,
    options: LatencyProbeOptions = {},
  ) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? 600));
    this.idleAfter = options.idleAfter ?? 60;
    this.idleStride = Math.max(1, options.idleStride ?? 15);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.callbackId !== null;
  }

  /** Starts watching presented frames (no-op when running, or when the browser lacks `requestVideoFrameCallback`). */
  start(): void {
    if (this.callbackId !== null || typeof this.video.requestVideoFrameCallback !== 'function') return;
    this.callbackId = this.video.requestVideoFrameCallback((now, metadata) => this.onFrame(now, metadata));
  }

  /** Stops watching; the samples stay readable. Idempotent. */
  stop(): void {
    if (this.callbackId === null) return;
    this.video.cancelVideoFrameCallback(this.callbackId);
    this.callbackId = null;
  }

  /** Forgets the samples and counters (not `firstFrameAt` / `framesPresented`), e.g. after a warm-up. */
  reset(): void {
    this.ring.length = 0;
    this.next = 0;
    this.count = 0;
    this.decodeFailures = 0;
    this.latest = null;
  }

  /** The kept samples, oldest first (a copy). */
  samples(): ProbeSample[] {
    return this.ring.length < this.capacity
      ? this.ring.slice()
      : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  /**
   * The `p`-th percentile (0–100, nearest rank) of the kept latencies in ms; null when there are
   * no samples.
   */
  percentile(p: number): number | null {
    if (this.ring.length === 0) return null;
    const sorted = this.ring.map((s) => s.latencyMs).sort((a, b) => a - b);
    const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
    return sorted[Math.max(0, rank - 1)]!;
  }

  private onFrame(_now: DOMHighResTimeStamp, metadata: VideoFrameCallbackMetadata): void {
    // Re-arm first: a throwing decode must not end the measurement.
    this.callbackId = this.video.requestVideoFrameCallback((n, m) => this.onFrame(n, m));
    this.measure(
      this.video,
      metadata.width || this.video.videoWidth,
      metadata.height || this.video.videoHeight,
      metadata.expectedDisplayTime,
      metadata.receiveTime ?? null,
    );
  }

  /**
   * Measures one presented frame drawn by someone else than the video (the WebCodecs player
   * passes each `VideoFrame` it draws): counts it and decodes its probe strip.
   * @param source the frame's picture (a `VideoFrame`, canvas or video), at its intrinsic size.
   * @param width intrinsic size of `source`, px.
   * @param height intrinsic size of `source`, px.
   * @param displayAt when it is on screen, ms in the `performance.now()` time base.
   * @param receiveAt when its last byte arrived, same time base; null when unknown.
   */
  measure(source: CanvasImageSource, width: number, height: number, displayAt: number, receiveAt: number | null): void {
    this.framesPresented++;
    this.firstFrameAt ??= displayAt;
    if (this.consecutiveFailures >= this.idleAfter && this.framesPresented % this.idleStride !== 0) return;

    const captureMs = this.decode(source, width, height);
    if (captureMs === null) {
      this.decodeFailures++;
      this.consecutiveFailures++;
      return;
    }
    this.consecutiveFailures = 0;
    const sample: ProbeSample = {
      captureMs,
      displayAt,
      latencyMs: performance.timeOrigin + displayAt - captureMs,
      receiveToDisplayMs: receiveAt === null ? null : displayAt - receiveAt,
    };
    this.latest = sample;
    this.lastDecodedAt = performance.now();
    this.count++;
    this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Draws the strip region of the current frame (intrinsic size, no scaling) and decodes it. */
  private decode(source: CanvasImageSource, width: number, height: number): number | null {
    const b = probeBlockSize(width);
    const stripWidth = PROBE_BLOCKS * b;
    if (stripWidth > width || b > height) return null;
    if (!this.ctx || this.canvas?.width !== stripWidth || this.canvas.height !== b) {
      this.canvas = new OffscreenCanvas(stripWidth, b);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
      if (!this.ctx) return null;
    }
    this.ctx.drawImage(source, 0, height - b, stripWidth, b, 0, 0, stripWidth, b);
    // The crop is 56·B px wide, so decodeProbe derives the same block size B from it.
    return decodeProbe(this.ctx.getImageData(0, 0, stripWidth, b).data, stripWidth, b);
  }
}
