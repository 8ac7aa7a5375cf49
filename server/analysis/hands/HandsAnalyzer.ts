import type { Analyzer, AnalyzerContext, HandDetection, OutputBox, OwnedAnalysisFrame } from '../analyzerTypes.js';
import type { Gesture } from './GestureClassifier.js';
import type { HandStepRequest, HandStepResult } from './handInferenceProtocol.js';
import { handOverlayItems } from './handOverlay.js';
import type { HandsEntry } from './handsConfig.js';
import { HandTracker, type TrackGestureChange } from './HandTracker.js';
import type { HandTimings } from './handTypes.js';

/** A gesture starting, changing or ending on one hand of one camera (the provider's `onGesture`). */
export interface GestureEvent {
  cameraId: string;
  trackId: number;
  /** The gesture now (when `ended`: the last one the hand made). */
  gesture: Gesture;
  /** The gesture before; null when the hand just appeared. */
  previous: Gesture | null;
  /** The hand, output px. */
  box: OutputBox;
  /** Gesture confidence 0..1. */
  score: number;
  /** Capture time, ms since the Unix epoch. */
  at: number;
  /** The hand left the picture (track lost or analyzer reset). */
  ended: boolean;
}

/** What runs a step: the shared {@link HandInferenceWorker} (or anything with its `step`). */
export interface HandStepRunner {
  step(request: HandStepRequest): Promise<HandStepResult>;
}

/** Options of {@link HandsAnalyzer}. */
export interface HandsAnalyzerOptions {
  entry: HandsEntry;
  context: AnalyzerContext;
  inference: HandStepRunner;
  /** Gesture start / change / end (wired to socket.io and gesture actions by the server). */
  onGesture?: (event: GestureEvent) => void;
}

/** Counters for status and benches. */
/**
 * What the analyzer measures beyond what its scheduler slot counts (frames analysed and dropped
 * are the slot's: AnalyzerSlot, `/api/analysis/status`).
 */
export interface HandsAnalyzerStats {
  /** Palm detector runs. */
  detections: number;
  /** The last step's times on the inference thread, ms. */
  lastTimings: HandTimings | null;
  /** The last step end to end (queue wait and transfer included), ms. */
  lastStepMs: number;
}

/**
 * The `hands` analyzer of one camera. Per analysis frame: one step on the shared inference
 * thread (landmarks in each tracked hand's ROI; the palm detector only while fewer than
 * `maxHands` hands are tracked, at most every `detectEveryMs` of capture time, or at once after
 * a hand was lost), then tracking and gestures ({@link HandTracker}), overlays in its layer
 * (per hand a skeleton and the 21 points labelled with the gesture, in output px) and gesture
 * events. Detections are in the camera's output px, scaled from the analysis frame.
 */
export class HandsAnalyzer implements Analyzer {
  readonly type = 'hands';
  readonly stats: HandsAnalyzerStats = { detections: 0, lastTimings: null, lastStepMs: 0 };
  readonly #entry: HandsEntry;
  readonly #context: AnalyzerContext;
  readonly #inference: HandStepRunner;
  readonly #onGesture: ((event: GestureEvent) => void) | undefined;
  readonly #tracker: HandTracker;
  #lastDetectAt = -Infinity;
  #lostSinceDetect = false;
  #lastFrameAt = 0;
  #overlayTtlMs = 1000;
  #overlayShown = false;
  #scale = { x: 1, y: 1 };
  /** The last analysed frame's hands. */
  #last: HandDetection[] = [];

  constructor(options: HandsAnalyzerOptions) {
    this.#entry = options.entry;
    this.#context = options.context;
    this.#inference = options.inference;
    this.#onGesture = options.onGesture;
    this.#tracker = new HandTracker({
      lostAfterFrames: options.entry.lostAfterFrames,
      gestureFrames: options.entry.gestureFrames,
    });
  }

  /**
   * Analyses one frame.
   * @throws VisionBusyError when the inference queue is full (the scheduler counts the drop).
   */
  async analyze(frame: OwnedAnalysisFrame): Promise<HandDetection[]> {
    const started = performance.now();
    const at = frame.captureTimeMs;
    const entry = this.#entry;
    const tracked = this.#tracker.tracks.length;
    const detect =
      tracked < entry.maxHands && (this.#lostSinceDetect || at - this.#lastDetectAt >= entry.detectEveryMs);
    const result: HandStepResult = await this.#inference.step({
      image: { width: frame.width, height: frame.height, stride: frame.stride, data: frame.rgb },
      model: entry.model,
      rois: this.#tracker.rois(),
      detect,
      maxHands: entry.maxHands - tracked,
      minDetectionScore: entry.minDetectionScore,
      minPresenceScore: entry.minPresenceScore,
    });
    if (detect) {
      this.#lastDetectAt = at;
      this.#lostSinceDetect = false;
      this.stats.detections++;
    }
    this.#scale = { x: this.#context.output.width / frame.width, y: this.#context.output.height / frame.height };
    if (this.#lastFrameAt > 0 && at > this.#lastFrameAt) {
      // As FacePipeline: a little longer than the gap between analysed frames, so the skeleton
      // neither blinks between frames nor lingers after the hand leaves.
      this.#overlayTtlMs = Math.min(5000, Math.max(300, Math.round((at - this.#lastFrameAt) * 2.5)));
    }
    this.#lastFrameAt = at;
    const changes = this.#tracker.update(result, at);
    if (changes.some((c) => c.ended)) this.#lostSinceDetect = true;
    const detections: HandDetection[] = this.#tracker.tracks
      .filter((t) => t.missed === 0)
      .map((t) => ({
        kind: 'hand',
        box: this.#box(t.hand.box),
        score: t.hand.presence,
        trackId: t.id,
        keypoints: t.hand.keypoints.map(([x, y]) => [x * this.#scale.x, y * this.#scale.y] as [number, number]),
        label: t.gesture,
        gestureScore: t.gestureScore,
        handedness: t.hand.handedness,
        since: t.since,
      }));
    this.#draw(detections);
    this.#last = detections;
    this.#emit(changes, frame.captureTimeMs);
    this.stats.lastTimings = result.timings;
    this.stats.lastStepMs = performance.now() - started;
    return detections;
  }

  /** Forgets every hand (their gestures end) and clears the overlay layer. */
  /** `{ hands, gestures }`: hands in view and how many show each gesture (no identity). */
  summary(): Record<string, unknown> {
    const gestures: Record<string, number> = {};
    for (const hand of this.#last) gestures[hand.label] = (gestures[hand.label] ?? 0) + 1;
    return { hands: this.#last.length, gestures };
  }

  reset(atMs: number): void {
    this.#last = [];
    this.#emit(this.#tracker.reset(atMs), atMs);
    this.#lastDetectAt = -Infinity;
    this.#lostSinceDetect = false;
    this.#lastFrameAt = 0;
    this.#overlayShown = false;
    this.#context.overlays([]);
  }

  #box(box: readonly number[]): OutputBox {
    return [box[0]! * this.#scale.x, box[1]! * this.#scale.y, box[2]! * this.#scale.x, box[3]! * this.#scale.y];
  }

  #draw(detections: HandDetection[]): void {
    if (!this.#entry.overlay) return;
    if (detections.length === 0 && !this.#overlayShown) return;
    const items = detections.flatMap((d) =>
      handOverlayItems(d.keypoints, d.label === 'none' ? '' : d.label, this.#overlayTtlMs, `h${d.trackId}`),
    );
    this.#context.overlays(items);
    this.#overlayShown = items.length > 0;
  }

  #emit(changes: TrackGestureChange[], at: number): void {
    if (!this.#onGesture) return;
    for (const change of changes) {
      try {
        this.#onGesture({
          cameraId: this.#context.cameraId,
          trackId: change.track.id,
          gesture: change.gesture,
          previous: change.previous,
          box: this.#box(change.track.hand.box),
          score: change.track.gestureScore,
          at: change.ended ? at : change.track.since,
          ended: change.ended,
        });
      } catch (error) {
        this.#context.logger.warn({ err: error }, 'onGesture failed');
      }
    }
  }
}
