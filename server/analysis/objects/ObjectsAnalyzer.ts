import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import { IouTracker } from '../../vision/IouTracker.js';
import type {
  Analyzer,
  AnalyzerContext,
  FaceDetection,
  ObjectDetection,
  OutputBox,
  OwnedAnalysisFrame,
} from '../analyzerTypes.js';
import { personForFace } from './personForFace.js';
import type { ObjectsEntry } from './objectsConfig.js';
import type { DetectRequest, DetectResult } from './objectsWorkerProtocol.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import type { ObjectCountsEvent } from '../../events/EventCatalogue.js';

/** What {@link ObjectsAnalyzer} calls `onCounts` with when the count of a class changed: the `object:counts` event. */
export type { ObjectCountsEvent };

/** The inference the analyzer needs ({@link ObjectsWorker.detect}). */
export type DetectObjects = (image: RgbImage, request: DetectRequest) => Promise<DetectResult>;

export interface ObjectsAnalyzerOptions {
  detect: DetectObjects;
  /** Called when the count of a class changes (also to 0 on `reset`). Must not throw. */
  onCounts?: (event: ObjectCountsEvent) => void;
}

/** Overlay colours: people, vehicles, anything else. */
const COLORS: Record<string, string> = {
  person: '#00c8ff',
  bicycle: '#ffb000',
  car: '#ffb000',
  motorcycle: '#ffb000',
  bus: '#ffb000',
  truck: '#ffb000',
};
const OTHER_COLOR = '#a0ff60';

/**
 * One camera's `objects` analyzer: each analysed frame goes once to the shared inference thread,
 * detections (configured classes, `minScore`) are scaled from the analysis frame to the camera's
 * output px and tracked per class by an {@link IouTracker}, so a track id stays with an object
 * while it is in view. Draws, per object, a box (no label: box labels are identity, shown only
 * under the `names` policy) and a one-point `keypoints` item at the box's top-left corner carrying
 * the class name (keypoints follow the `boxes` policy, native/PROTOCOL.md "Overlays").
 * A full inference queue rejects the frame with VisionBusyError (counted in `dropped`, rethrown
 * for the scheduler).
 */
export class ObjectsAnalyzer implements Analyzer {
  readonly type = 'objects';
  readonly #entry: ObjectsEntry;
  readonly #context: AnalyzerContext;
  readonly #detect: DetectObjects;
  readonly #onCounts: ((event: ObjectCountsEvent) => void) | undefined;
  readonly #trackers = new Map<string, IouTracker>();
  #counts: Record<string, number>;
  #lastMs = 0;
  /** Person track id → the wallet of the last recognised face seen in its box. */
  readonly #identities = new Map<number, string>();

  constructor(entry: ObjectsEntry, context: AnalyzerContext, options: ObjectsAnalyzerOptions) {
    this.#entry = entry;
    this.#context = context;
    this.#detect = options.detect;
    this.#onCounts = options.onCounts;
    this.#counts = zeroCounts(entry.classes);
    for (const name of entry.classes) this.#trackers.set(name, new IouTracker({ minIou: 0.3, maxMissed: 2 }));
  }

  /** `{ counts }` (objects in view per configured class) for `/api/analysis/status` and `/api/status`. */
  summary(): Record<string, unknown> {
    return { counts: this.counts() };
  }

  /** Objects per configured class in the last analysed frame (for `/api/status`). */
  counts(): Record<string, number> {
    return { ...this.#counts };
  }

  /** Inference thread time of the last analysed frame, ms. */
  get lastInferenceMs(): number {
    return this.#lastMs;
  }

  /**
   * Detects, tracks and draws the configured classes in `frame`.
   * @returns the objects in output px with their track ids, best score first.
   * @throws VisionBusyError when the inference queue is full (the frame is dropped).
   */
  async analyze(frame: OwnedAnalysisFrame): Promise<ObjectDetection[]> {
    const result: DetectResult = await this.#detect(
      { width: frame.width, height: frame.height, stride: frame.stride, data: frame.rgb },
      { model: this.#entry.model, minScore: this.#entry.minScore, classes: this.#entry.classes },
    );
    this.#lastMs = result.ms;
    const sx = this.#context.output.width / frame.width;
    const sy = this.#context.output.height / frame.height;
    const detections: ObjectDetection[] = [];
    for (const [label, tracker] of this.#trackers) {
      const mine = result.objects
        .filter((o) => o.label === label)
        .map((o) => ({
          box: [o.box[0] * sx, o.box[1] * sy, o.box[2] * sx, o.box[3] * sy] as OutputBox,
          score: o.score,
        }));
      const update = tracker.update(mine, frame.captureTimeMs);
      for (const track of update.tracks) {
        if (track.missed > 0) continue;
        detections.push({
          kind: 'object',
          label,
          box: roundBox(track.box),
          score: track.score,
          trackId: track.id,
        });
      }
    }
    this.#carryIdentities(detections);
    detections.sort((a, b) => b.score - a.score);
    const counts = zeroCounts(this.#entry.classes);
    for (const d of detections) counts[d.label] = (counts[d.label] ?? 0) + 1;
    if (this.#entry.overlay) this.#context.overlays(this.#overlayItems(detections));
    this.#setCounts(counts, detections, frame.captureTimeMs);
    return detections;
  }

  /**
   * Where the camera also runs faces: a recognised face inside a person's box (personForFace)
   * gives that person track its wallet, which the track keeps while it lives, so the person
   * stays identified when the face turns away.
   */
  #carryIdentities(detections: ObjectDetection[]): void {
    const persons = detections.filter((d) => d.label === 'person');
    const faces = this.#context.peers('face').filter((f): f is FaceDetection => f.kind === 'face');
    personForFace(faces, persons).forEach((index, i) => {
      const wallet = faces[i]!.wallet;
      if (index !== null && wallet !== null) this.#identities.set(persons[index]!.trackId!, wallet);
    });
    const alive = new Set(persons.map((p) => p.trackId));
    for (const id of this.#identities.keys()) if (!alive.has(id)) this.#identities.delete(id);
    for (const p of persons) p.wallet = this.#identities.get(p.trackId!) ?? null;
  }

  /** Forgets every track, clears the overlay layer and sets every count to 0. */
  reset(atMs: number): void {
    this.#identities.clear();
    for (const tracker of this.#trackers.values()) tracker.clear();
    this.#context.overlays([]);
    this.#setCounts(zeroCounts(this.#entry.classes), [], atMs);
  }

  #setCounts(counts: Record<string, number>, detections: ObjectDetection[], at: number): void {
    const changed = Object.keys(counts).some((k) => counts[k] !== this.#counts[k]);
    this.#counts = counts;
    if (!changed || !this.#onCounts) return;
    try {
      this.#onCounts({
        cameraId: this.#context.cameraId,
        counts: { ...counts },
        boxes: detections.map((d) => ({ label: d.label, box: d.box, trackId: d.trackId! })),
        at,
      });
    } catch (error) {
      this.#context.logger.warn({ err: error }, 'objects onCounts failed');
    }
  }

  /** A box and a class label (one keypoint at the box's top-left corner) per object. */
  #overlayItems(detections: readonly ObjectDetection[]): OverlayItem[] {
    // Items outlive one analysis interval a little, so they do not flicker between frames.
    const ttl = Math.min(600_000, Math.max(500, Math.round(2500 / this.#entry.fps)));
    const items: OverlayItem[] = [];
    for (const d of detections) {
      const color = COLORS[d.label] ?? OTHER_COLOR;
      items.push({ id: `o${d.trackId}`, box: d.box, color, ttl_ms: ttl });
      items.push({
        id: `o${d.trackId}-label`,
        kind: 'keypoints',
        points: [[d.box[0], d.box[1]]],
        label: d.label.slice(0, 64),
        color,
        ttl_ms: ttl,
      });
    }
    return items;
  }
}

/** Whole output px, rounding the corners (so the box stays inside the output). */
function roundBox(box: readonly number[]): OutputBox {
  const x = Math.round(box[0]!);
  const y = Math.round(box[1]!);
  return [x, y, Math.round(box[0]! + box[2]!) - x, Math.round(box[1]! + box[3]!) - y];
}

function zeroCounts(classes: readonly string[]): Record<string, number> {
  return Object.fromEntries(classes.map((c) => [c, 0]));
}
