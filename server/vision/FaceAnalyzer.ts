import type { Logger } from 'pino';
import { InvalidStateError, NotFoundError, UnsupportedError } from '../../media/core/errors.js';
import { FaceAligner } from './FaceAligner.js';
import { FaceEmbedder } from './FaceEmbedder.js';
import { FaceLandmarker68 } from './FaceLandmarker68.js';
import { resolveModelFile } from './modelFiles.js';
import { OnnxSessionFactory } from './OnnxSessionFactory.js';
import { iou } from './nms.js';
import { faceDetectorVariant } from './faceDetectors.js';
import type { ExecutionProvider, VisionConfig } from './visionConfig.js';
import type {
  AnalysisTimings,
  Box,
  AnalyzedFace,
  DetectedFace,
  FaceDetector,
  FaceToEmbed,
  FivePoints,
  Point,
  RgbImage,
} from './visionTypes.js';

/** The models of a pipeline, already loaded. */
export interface FaceAnalyzerParts {
  detector: FaceDetector;
  /** Needed when the detector gives no five points (UltraFace). */
  landmarker?: FaceLandmarker68;
  aligner: FaceAligner;
  embedder: FaceEmbedder;
  /** The execution provider running each model, for status and logs. */
  providers: Partial<Record<'detector' | 'landmarks' | 'embedder', ExecutionProvider>>;
}

export interface FaceAnalyzerCreateOptions {
  /** Folder that relative model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
}

/** Intersection over union of two `[x, y, width, height]` boxes. */
function boxIou(a: Box, b: Box): number {
  const corners = (r: Box) => ({ x1: r[0], y1: r[1], x2: r[0] + r[2], y2: r[1] + r[3], score: 0 });
  return iou(corners(a), corners(b));
}

/** Throws TypeError unless `image` is a well-formed RGB24 image (see {@link RgbImage}). */
export function assertRgbImage(image: RgbImage, name = 'image'): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TypeError(`${name}: width and height must be positive integers`);
  }
  const stride = image.stride ?? width * 3;
  if (!Number.isInteger(stride) || stride < width * 3) throw new TypeError(`${name}: stride must be ≥ 3 × width`);
  if (!(data instanceof Uint8Array) || data.length < (height - 1) * stride + width * 3) {
    throw new TypeError(`${name}: data must be a Uint8Array of at least (height − 1) × stride + 3 × width bytes`);
  }
}

/**
 * The face pipeline for one RGB image: detect → five points (from the detector, or the
 * 68-point landmark model) → similarity alignment to the ArcFace 112 × 112 template → embedding.
 *
 * `session.run` of onnxruntime-node 1.30 runs the model synchronously on the calling JS thread
 * (inside a `setImmediate`; only the operator kernels use the intra-op thread pool), so a
 * `FaceAnalyzer` blocks the thread it runs on for the whole inference: the server runs it in a
 * worker thread ({@link FaceAnalyzerWorker}); tests and benches use it directly.
 */
export class FaceAnalyzer {
  readonly providers: FaceAnalyzerParts['providers'];
  readonly #parts: FaceAnalyzerParts;
  #closed = false;

  constructor(parts: FaceAnalyzerParts) {
    if (!parts.landmarker && !parts.detector.givesLandmarks) {
      throw new TypeError('parts.landmarker is required with a detector that gives no five points');
    }
    if (parts.aligner.size !== parts.embedder.inputSize) {
      throw new TypeError(`parts: aligner crops ${parts.aligner.size} px, embedder takes ${parts.embedder.inputSize}`);
    }
    this.#parts = parts;
    this.providers = parts.providers;
  }

  /**
   * Loads the configured models (paths checked against scripts/models.manifest.json), each on the
   * first execution provider that works.
   */
  static async create(config: VisionConfig, options: FaceAnalyzerCreateOptions): Promise<FaceAnalyzer> {
    const logger = options.logger.child({ module: 'vision' });
    const factory = new OnnxSessionFactory(logger, {
      providers: config.providers,
      intraOpNumThreads: config.intraOpThreads === 'auto' ? undefined : config.intraOpThreads,
      deviceId: config.deviceId,
      onnxLogLevel: config.onnxLogLevel,
    });
    const { detector: detectorConfig, landmarks, embedder: embedderConfig } = config.models;
    const detection = config.detection;
    const created: { release(): Promise<void> }[] = [];
    try {
      const providers: FaceAnalyzerParts['providers'] = {};
      const det = await factory.create(await resolveModelFile(options.root, detectorConfig.path), 'detector');
      created.push(det.session);
      providers.detector = det.provider;
      const variant = faceDetectorVariant(detectorConfig);
      const detector: FaceDetector = variant.create(det.session, detectorConfig, detection);
      let landmarker: FaceLandmarker68 | undefined;
      if (variant.needsLandmarks) {
        const lm = await factory.create(await resolveModelFile(options.root, landmarks.path), 'landmarks');
        created.push(lm.session);
        providers.landmarks = lm.provider;
        landmarker = new FaceLandmarker68(lm.session);
      }
      const emb = await factory.create(await resolveModelFile(options.root, embedderConfig.path), 'embedder');
      created.push(emb.session);
      providers.embedder = emb.provider;
      const embedder = new FaceEmbedder(emb.session, embedderConfig.architecture);
      return new FaceAnalyzer({
        detector,
        landmarker,
        aligner: new FaceAligner(embedder.inputSize),
        embedder,
        providers,
      });
    } catch (error) {
      // Release what was loaded before the failure; the original error is the one to report.
      await Promise.allSettled(created.map((s) => s.release()));
      throw error;
    }
  }

  /** Every face in `image`, best detection score first. */
  async analyze(image: RgbImage): Promise<AnalyzedFace[]> {
    return (await this.analyzeTimed(image)).faces;
  }

  /** Only the detector (a tracker embeds a track's face now and then, not on every frame). */
  async detect(image: RgbImage): Promise<DetectedFace[]> {
    this.#assertOpen();
    assertRgbImage(image);
    return this.#parts.detector.detect(image);
  }

  /**
   * The L2-normalised embedding of one face of `image`: its five points (given, or from the
   * landmark model) → alignment → embedder.
   */
  async embed(image: RgbImage, face: FaceToEmbed): Promise<Float32Array> {
    this.#assertOpen();
    assertRgbImage(image);
    return (await this.#embedFace(image, face)).embedding;
  }

  /**
   * The 68 iBUG points of each face given by its box (e.g. a tracker's), image pixels, in the
   * order of `boxes` (head pose for the liveness challenge: headPose.ts).
   * @throws UnsupportedError when the pipeline has no 68-point model (an SCRFD detector).
   */
  async landmarks68(image: RgbImage, boxes: readonly Box[]): Promise<Point[][]> {
    this.#assertOpen();
    assertRgbImage(image);
    const { landmarker } = this.#parts;
    if (!landmarker) throw new UnsupportedError('head pose needs the 68-point landmark model (UltraFace pipeline)');
    const out: Point[][] = [];
    for (const box of boxes) out.push((await landmarker.landmarks(image, box)).points);
    return out;
  }

  /** {@link analyze} with the time spent in each stage. */
  async analyzeTimed(image: RgbImage): Promise<{ faces: AnalyzedFace[]; timings: AnalysisTimings }> {
    this.#assertOpen();
    assertRgbImage(image);
    const t0 = performance.now();
    const detected = await this.#parts.detector.detect(image);
    const detectMs = performance.now() - t0;
    const faces: AnalyzedFace[] = [];
    const perFaceMs: number[] = [];
    for (const face of detected) {
      const t1 = performance.now();
      const { landmarks5, embedding } = await this.#embedFace(image, face);
      faces.push({ box: face.box, score: face.score, landmarks5, embedding });
      perFaceMs.push(performance.now() - t1);
    }
    return { faces, timings: { detectMs, perFaceMs } };
  }

  async #embedFace(image: RgbImage, face: FaceToEmbed): Promise<{ landmarks5: FivePoints; embedding: Float32Array }> {
    const { aligner, embedder } = this.#parts;
    const landmarks5 = await this.#landmarksOf(image, face);
    return { landmarks5, embedding: await embedder.embed(aligner.align(image, landmarks5)) };
  }

  /**
   * The five points of a face: given; else from the landmark model; else (a detector that gives
   * points, handed only a box, e.g. a tracker's) from detecting again in the box widened by half
   * its size on each side, taking the face that overlaps the box most.
   * @throws NotFoundError when the detector finds no face overlapping the box.
   */
  async #landmarksOf(image: RgbImage, face: FaceToEmbed): Promise<FivePoints> {
    if (face.landmarks5) return face.landmarks5;
    const { landmarker, detector } = this.#parts;
    if (landmarker) return (await landmarker.landmarks(image, face.box)).landmarks5;
    const [x, y, w, h] = face.box;
    const margin = Math.max(w, h) / 2;
    const x0 = Math.max(0, Math.floor(x - margin));
    const y0 = Math.max(0, Math.floor(y - margin));
    const x1 = Math.min(image.width, Math.ceil(x + w + margin));
    const y1 = Math.min(image.height, Math.ceil(y + h + margin));
    if (x1 - x0 < 1 || y1 - y0 < 1) throw new NotFoundError('face.box lies outside the image');
    const stride = image.stride ?? image.width * 3;
    // A view of the region: same rows, no copy.
    const region: RgbImage = {
      width: x1 - x0,
      height: y1 - y0,
      stride,
      data: image.data.subarray(y0 * stride + x0 * 3),
    };
    const wanted: Box = [x - x0, y - y0, w, h];
    let best: DetectedFace | undefined;
    let bestOverlap = 0.3;
    for (const found of await detector.detect(region)) {
      const overlap = boxIou(found.box, wanted);
      if (found.landmarks5 && overlap > bestOverlap) [best, bestOverlap] = [found, overlap];
    }
    if (!best?.landmarks5) throw new NotFoundError('no face found at face.box');
    return best.landmarks5.map(([px, py]) => [px + x0, py + y0] as const) as unknown as FivePoints;
  }

  #assertOpen(): void {
    if (this.#closed) throw new InvalidStateError('the face analyzer is closed');
  }

  /** Releases the sessions. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { detector, landmarker, embedder } = this.#parts;
    await Promise.all([detector.close(), landmarker?.close(), embedder.close()]);
  }
}
