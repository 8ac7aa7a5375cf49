import type { Logger } from 'pino';
import type { AnalysisFrame, AnalysisListener } from '../../media/camera/CameraTypes.js';
import type { AnalyzerStatus, Detection, OwnedAnalysisFrame } from './analyzerTypes.js';
import type { AnalyzerSlot } from './AnalyzerSlot.js';

/** What the scheduler needs of a camera (media/camera/Camera.ts). */
export interface AnalysisSource {
  onAnalysis(listener: AnalysisListener): () => void;
  setAnalysis(enabled: boolean, fps?: number): Promise<unknown>;
}

/**
 * Feeds one camera's analysis frames to its analyzers. camerad sends frames at the highest rate
 * any analyzer asks for; each frame is offered to every analyzer whose own interval has passed
 * (within half the gap between frames, so 5 fps out of 15 takes every third frame). The listener
 * returns at once, so camerad's next frame never waits for inference: each analyzer has at most
 * one frame in flight and a slow one skips frames (counted as `dropped`) without holding back
 * another analyzer or the video. The frame is copied once per step, for all analyzers that take it
 * (camerad's buffer is only valid during the callback).
 */
export class AnalysisScheduler {
  readonly cameraId: string;
  readonly #source: AnalysisSource;
  readonly #slots: readonly AnalyzerSlot[];
  readonly #logger: Logger;
  /** Highest configured rate, frames/s: what camerad is asked for. */
  readonly fps: number;
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  /** Capture time of the previous frame, ms (the slack of the due test is half a frame gap). */
  #previousMs: number | undefined;

  constructor(opts: { cameraId: string; source: AnalysisSource; slots: readonly AnalyzerSlot[]; logger: Logger }) {
    this.cameraId = opts.cameraId;
    this.#source = opts.source;
    this.#slots = opts.slots;
    this.#logger = opts.logger;
    this.fps = Math.max(0, ...opts.slots.map((s) => s.fps));
  }

  /** The analyzers of this camera, in configuration order. */
  get slots(): readonly AnalyzerSlot[] {
    return this.#slots;
  }

  /** Subscribes to the camera's analysis frames and asks camerad for them. */
  async start(): Promise<void> {
    if (this.#unsubscribe || this.#closed || this.#slots.length === 0) return;
    this.#unsubscribe = this.#source.onAnalysis((frame) => this.#onFrame(frame));
    try {
      await this.#source.setAnalysis(true, this.fps);
    } catch (error) {
      // camerad not up yet: Camera re-applies the wish when it connects.
      this.#logger.debug({ camera: this.cameraId, err: error }, 'analysis will start when camerad connects');
    }
  }

  /** The latest detections of `kind` on this camera (the analyzers' peers view). */
  detections(kind: Detection['kind']): readonly Detection[] {
    for (const slot of this.#slots) {
      const first = slot.latest[0];
      if (first?.kind === kind) return slot.latest;
    }
    return [];
  }

  /** Each analyzer's figures. */
  status(): AnalyzerStatus[] {
    return this.#slots.map((s) => s.status());
  }

  /** Stops the frames, waits for the frames in flight and resets every analyzer. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#source.setAnalysis(false).catch(() => undefined);
    await Promise.all(this.#slots.map((s) => s.settled()));
    for (const slot of this.#slots) slot.reset(Date.now());
  }

  #onFrame(frame: AnalysisFrame): void {
    if (this.#closed) return;
    // Half the gap between frames (at most half of camerad's interval): a 5 fps analyzer fed
    // 15 fps takes every third frame even when capture times jitter.
    const gap = this.#previousMs === undefined ? 0 : frame.captureTimeMs - this.#previousMs;
    this.#previousMs = frame.captureTimeMs;
    const slack = Math.max(0, Math.min(gap / 2, 500 / this.fps));
    const due = this.#slots.filter((s) => s.due(frame.captureTimeMs, slack));
    if (due.length === 0) return;
    let owned: OwnedAnalysisFrame | undefined;
    for (const slot of due) slot.offer(() => (owned ??= copyFrame(frame)));
  }
}

/** A copy of camerad's frame that outlives the listener (≈690 KB at 640 × 360). */
function copyFrame(frame: AnalysisFrame): OwnedAnalysisFrame {
  const rgb = Buffer.from(frame.rgb);
  return {
    frame: frame.frame,
    captureTimeMs: frame.captureTimeMs,
    width: frame.width,
    height: frame.height,
    stride: frame.stride,
    rgb,
    data: rgb,
  };
}
