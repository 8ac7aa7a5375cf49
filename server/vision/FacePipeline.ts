import type { Logger } from 'pino';
import type { FaceGallery } from './FaceGallery.js';
import { IdentityHysteresis } from './IdentityHysteresis.js';
import { IouTracker, type Track } from './IouTracker.js';
import type { AnalyzedFace, Box, DetectedFace, FaceToEmbed, KeptFrame, Point, RgbImage } from './visionTypes.js';
import type { AnalysisFrame as CameraAnalysisFrame } from '../../media/camera/CameraTypes.js';
import type { OverlayItem } from '../../media/camerad/CameradProtocol.js';

/** One analysis frame from camerad (already scaled to the analysis size). */
export type AnalysisFrame = CameraAnalysisFrame;

/** The inference the pipeline needs (`FaceAnalyzerWorker` implements it). */
export interface FaceModel {
  /** Faces in the image, boxes in its pixels. */
  detect(image: RgbImage | KeptFrame): Promise<DetectedFace[]>;
  /** The L2-normalised embedding of one detected face (aligned by its landmarks). */
  embed(image: RgbImage | KeptFrame, face: FaceToEmbed): Promise<Float32Array>;
  /** Every face with its embedding, in one pass (the image crosses to the inference thread once). */
  analyze(image: RgbImage): Promise<AnalyzedFace[]>;
  /** The 68 landmarks of each face given by its box (head pose); absent without a 68-point model. */
  landmarks?(image: RgbImage | KeptFrame, boxes: readonly Box[]): Promise<Point[][]>;
  /** Sends the frame to the inference thread once for the requests of one analysis step (FaceAnalyzerWorker.keep). */
  keep?(image: RgbImage): KeptFrame;
  /** Forgets a kept frame. */
  release?(frame: KeptFrame): void;
}

/** Where the pipeline's results go. */
export interface FacePipelineSinks {
  overlays(items: OverlayItem[]): void;
  detected(event: { trackId: number; box: [number, number, number, number]; score: number; at: number }): void;
  recognized(event: {
    trackId: number;
    box: [number, number, number, number];
    wallet: string;
    similarity: number;
    at: number;
  }): void;
  lost(event: { trackId: number; firstSeen: number; at: number }): void;
}

/** Stroke width of face boxes for an output `height`, px (even: camerad draws whole chroma blocks). */
export function overlayThickness(height: number): number {
  return Math.max(2, 2 * Math.round(height / 240));
}

/** Overlay colours: a recognised, checked-in user; an unknown face. */
export const OVERLAY_KNOWN = '#00e676';
export const OVERLAY_UNKNOWN = '#ffc400';

/** Embeddings of a new track before it is re-embedded only every `reembedMs` (the hysteresis needs 2). */
const SETTLE_OBSERVATIONS = 3;

/** Per-track recognition state. */
interface TrackState {
  embeddedAt: number;
  observations: number;
  wallet: string | null;
  similarity: number | null;
}

/**
 * One camera's face pipeline: detect on each analysis frame → IoU tracker → for a new track,
 * and then every `reembedMs`, embed and match against the gallery → hysteresis → events
 * (`face:detected`, `face:recognized`, `face:lost`) and overlays in output pixels (a name only
 * when the user's check-in consent allows it). Frames come one at a time (camerad sends the
 * next only after `process` resolves), so there is never a queue here.
 */
export class FacePipeline {
  readonly #model: FaceModel;
  readonly #gallery: FaceGallery;
  readonly #sinks: FacePipelineSinks;
  readonly #logger: Logger;
  readonly #tracker: IouTracker;
  readonly #hysteresis: IdentityHysteresis;
  readonly #reembedMs: number;
  readonly #output: { width: number; height: number };
  readonly #label: (wallet: string) => string | undefined;
  readonly #state = new Map<number, TrackState>();
  #overlayTtlMs: number;
  #lastFrameAt = 0;
  /** The last overlay list sent had boxes. */
  #boxesShown = false;
  /** Rolling statistics for `GET /api/face/status`. */
  readonly stats = { frames: 0, faces: 0, embeddings: 0, lastDetectMs: 0, lastFrameMs: 0 };

  /**
   * @param output the camera's output size, px (overlay boxes are scaled to it).
   * @param threshold cosine similarity for a match.
   * @param reembedMs re-embed a track this often, ms (`faces.reembedMs`).
   * @param label the overlay text for a recognised wallet, or undefined to show no name (no consent).
   */
  constructor(opts: {
    model: FaceModel;
    gallery: FaceGallery;
    sinks: FacePipelineSinks;
    output: { width: number; height: number };
    threshold: number;
    reembedMs: number;
    label: (wallet: string) => string | undefined;
    logger: Logger;
  }) {
    this.#model = opts.model;
    this.#gallery = opts.gallery;
    this.#sinks = opts.sinks;
    this.#output = opts.output;
    this.#label = opts.label;
    this.#logger = opts.logger;
    this.#reembedMs = opts.reembedMs;
    this.#tracker = new IouTracker();
    this.#hysteresis = new IdentityHysteresis({ threshold: opts.threshold });
    this.#overlayTtlMs = 1000;
  }

  /** The recognition threshold (operator setting). */
  get threshold(): number {
    return this.#hysteresis.threshold;
  }

  set threshold(value: number) {
    this.#hysteresis.threshold = value;
  }

  /** Tracks alive now with their identities, boxes in output pixels. */
  current(): {
    trackId: number;
    box: [number, number, number, number];
    wallet: string | null;
    similarity: number | null;
  }[] {
    return this.#tracker.tracks.map((t) => ({
      trackId: t.id,
      box: this.#scale(t.box, this.#lastSize),
      wallet: this.#state.get(t.id)?.wallet ?? null,
      similarity: this.#state.get(t.id)?.similarity ?? null,
    }));
  }

  #lastSize = { width: 1, height: 1 };

  /** Tracks matched on the last analysed frame, boxes in that frame's pixels (for head pose). */
  matchedTracks(): { trackId: number; box: Box }[] {
    return this.#tracker.tracks.filter((t) => t.missed === 0).map((t) => ({ trackId: t.id, box: t.box }));
  }

  /**
   * Analyses one frame. Resolves when its events and overlays are out.
   * @param image the frame's pixels as the model takes them: the frame itself, or the frame
   *   already kept on the inference thread (so that embedding each track does not send it again).
   */
  async process(frame: AnalysisFrame, image: RgbImage | KeptFrame = frame): Promise<void> {
    const started = performance.now();
    this.#lastSize = { width: frame.width, height: frame.height };
    if (this.#lastFrameAt > 0) {
      // Overlays live a little longer than the gap between analysed frames, so they neither
      // blink between frames nor linger after a face leaves.
      const gap = frame.captureTimeMs - this.#lastFrameAt;
      if (gap > 0) this.#overlayTtlMs = Math.min(5000, Math.max(300, Math.round(gap * 2.5)));
    }
    this.#lastFrameAt = frame.captureTimeMs;
    const faces = await this.#model.detect(image);
    this.stats.lastDetectMs = performance.now() - started;
    const update = this.#tracker.update(faces, frame.captureTimeMs);
    for (const track of update.appeared) {
      this.#sinks.detected({
        trackId: track.id,
        box: this.#scale(track.box, frame),
        score: track.score,
        at: frame.captureTimeMs,
      });
    }
    for (const track of update.lost) {
      this.#state.delete(track.id);
      this.#hysteresis.forget(track.id);
      this.#sinks.lost({ trackId: track.id, firstSeen: track.firstSeenMs, at: frame.captureTimeMs });
    }
    for (const track of update.tracks) {
      if (track.missed > 0) continue;
      const state = this.#state.get(track.id);
      // A new track is embedded on each of its first frames until the hysteresis has had its
      // say, then every reembedMs (a face that stays in view is re-checked, not re-embedded
      // every frame).
      const settling = state === undefined || state.observations < SETTLE_OBSERVATIONS;
      if (!settling && frame.captureTimeMs - state.embeddedAt < this.#reembedMs) continue;
      await this.#recognize(frame, image, track);
    }
    const items = this.#overlayItems(frame);
    // Frames without faces send nothing once the last boxes are cleared (no request per empty frame).
    if (items.length > 0 || this.#boxesShown) this.#sinks.overlays(items);
    this.#boxesShown = items.length > 0;
    this.stats.frames += 1;
    this.stats.faces = update.tracks.length;
    this.stats.lastFrameMs = performance.now() - started;
  }

  /** Forgets every track (source lost, pipeline stopped). */
  reset(at: number): void {
    for (const track of this.#tracker.clear()) {
      this.#hysteresis.forget(track.id);
      this.#sinks.lost({ trackId: track.id, firstSeen: track.firstSeenMs, at });
    }
    this.#state.clear();
    this.#sinks.overlays([]);
    this.#boxesShown = false;
  }

  async #recognize(frame: AnalysisFrame, image: RgbImage | KeptFrame, track: Track): Promise<void> {
    const embedding = await this.#model.embed(image, track);
    this.stats.embeddings += 1;
    const identity = this.#hysteresis.observe(track.id, this.#gallery.best(embedding));
    this.#state.set(track.id, {
      embeddedAt: frame.captureTimeMs,
      observations: (this.#state.get(track.id)?.observations ?? 0) + 1,
      wallet: identity.wallet,
      similarity: identity.similarity,
    });
    if (identity.changed) {
      // No wallet in the log: who was seen where is identity data, delivered only as events.
      this.#logger.debug({ trackId: track.id, known: identity.wallet !== null }, 'track identity changed');
    }
    if (identity.changed && identity.wallet !== null) {
      this.#sinks.recognized({
        trackId: track.id,
        box: this.#scale(track.box, frame),
        wallet: identity.wallet,
        similarity: identity.similarity ?? 0,
        at: frame.captureTimeMs,
      });
    }
  }

  #overlayItems(frame: AnalysisFrame): OverlayItem[] {
    return this.#tracker.tracks
      .filter((t) => t.missed === 0)
      .map((t) => {
        const wallet = this.#state.get(t.id)?.wallet ?? null;
        const label = wallet === null ? undefined : this.#label(wallet);
        return {
          box: this.#scale(t.box, frame),
          color: wallet === null ? OVERLAY_UNKNOWN : OVERLAY_KNOWN,
          ttl_ms: this.#overlayTtlMs,
          thickness: overlayThickness(this.#output.height),
          ...(label === undefined ? {} : { label }),
        };
      });
  }

  /** Analysis pixels → output pixels, rounded and clamped to the picture. */
  #scale(box: Box, from: { width: number; height: number }): [number, number, number, number] {
    const sx = this.#output.width / from.width;
    const sy = this.#output.height / from.height;
    const x = Math.max(0, Math.round(box[0] * sx));
    const y = Math.max(0, Math.round(box[1] * sy));
    const w = Math.min(this.#output.width - x, Math.round(box[2] * sx));
    const h = Math.min(this.#output.height - y, Math.round(box[3] * sy));
    return [x, y, Math.max(1, w), Math.max(1, h)];
  }
}
