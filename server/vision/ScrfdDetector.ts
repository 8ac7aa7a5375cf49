import './ortTelemetryOff.js';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { resampleRegion, toPlanar } from './imageResample.js';
import { nonMaxSuppression, type ScoredBox } from './nms.js';
import type { DetectedFace, FaceDetector, FivePoints, Point, RgbImage } from './visionTypes.js';

/**
 * Options of {@link ScrfdDetector}: the `vision.models.detector` entry of architecture `scrfd`
 * and `vision.detection` (server/vision/visionConfig.ts holds their defaults).
 */
export interface ScrfdOptions {
  /** Minimum face score, 0..1 (`scoreThreshold`). */
  scoreThreshold: number;
  /** NMS IoU threshold (`iouThreshold`). */
  iouThreshold: number;
  /** Input width × height when the model's input is dynamic, px (multiples of 32; `inputWidth`, `inputHeight`). */
  inputWidth: number;
  inputHeight: number;
  /** Faces smaller than this (shorter side, source px) are dropped; 0 keeps all (`vision.detection.minFaceSize`). */
  minFaceSize: number;
  /** At most this many faces, best first (`vision.detection.maxFaces`). */
  maxFaces: number;
}

/** Strides of SCRFD's three feature maps, px of the input. */
export const SCRFD_STRIDES = [8, 16, 32] as const;
/** Anchors per feature-map location. */
export const SCRFD_ANCHORS = 2;

/** One candidate with its five points, in input pixels. */
interface Candidate extends ScoredBox {
  kps: number[];
}

/**
 * Decodes SCRFD's raw outputs (InsightFace `scrfd.py`, `SCRFD.forward`) into candidates above
 * `scoreThreshold`, in input pixels. `outputs` holds nine arrays in InsightFace's order: scores
 * for strides 8, 16, 32; then box distances for the same strides; then keypoint offsets. For a
 * feature map of (H / s) × (W / s) locations in row-major order, each with
 * {@link SCRFD_ANCHORS} anchors, anchor k has centre ((k / 2) mod (W / s), ⌊(k / 2) / (W / s)⌋) · s and
 *
 * - score[k] (1 value),
 * - box = centre − (d0, d1) … centre + (d2, d3), with (d0..d3) = bbox[k] · s,
 * - point j = centre + (kps[k][2j], kps[k][2j + 1]) · s.
 *
 * Exported for tests with synthetic outputs (no SCRFD model ships in a registry package).
 */
export function decodeScrfd(
  outputs: readonly Float32Array[],
  inputWidth: number,
  inputHeight: number,
  scoreThreshold: number,
): Candidate[] {
  if (outputs.length !== 9) throw new TypeError(`outputs: SCRFD with keypoints has 9 outputs, got ${outputs.length}`);
  const candidates: Candidate[] = [];
  SCRFD_STRIDES.forEach((stride, level) => {
    const scores = outputs[level]!;
    const boxes = outputs[level + 3]!;
    const kps = outputs[level + 6]!;
    const cols = Math.floor(inputWidth / stride);
    const rows = Math.floor(inputHeight / stride);
    const anchors = cols * rows * SCRFD_ANCHORS;
    if (scores.length !== anchors || boxes.length !== anchors * 4 || kps.length !== anchors * 10) {
      throw new TypeError(
        `outputs: stride ${stride} expects ${anchors} anchors (${cols}×${rows}×${SCRFD_ANCHORS}); ` +
          `got ${scores.length} scores, ${boxes.length / 4} boxes, ${kps.length / 10} keypoint sets`,
      );
    }
    for (let k = 0; k < anchors; k++) {
      const score = scores[k]!;
      if (score < scoreThreshold) continue;
      const location = Math.floor(k / SCRFD_ANCHORS);
      const cx = (location % cols) * stride;
      const cy = Math.floor(location / cols) * stride;
      const points: number[] = [];
      for (let j = 0; j < 5; j++) {
        points.push(cx + kps[k * 10 + 2 * j]! * stride, cy + kps[k * 10 + 2 * j + 1]! * stride);
      }
      candidates.push({
        x1: cx - boxes[k * 4]! * stride,
        y1: cy - boxes[k * 4 + 1]! * stride,
        x2: cx + boxes[k * 4 + 2]! * stride,
        y2: cy + boxes[k * 4 + 3]! * stride,
        score,
        kps: points,
      });
    }
  });
  return candidates;
}

/**
 * InsightFace SCRFD (Guo et al., "Sample and Computation Redistribution for Efficient Face
 * Detection", 2021) with keypoints, e.g. `scrfd_10g_bnkps.onnx` or buffalo_l's `det_10g.onnx`
 * (not in any registry package: point `vision.models.detector.path` at your own file). Layout:
 *
 * - input float32 [1, 3, H, W] (often dynamic; default 640 × 640): RGB, (x − 127.5) / 128,
 *   the image scaled to fit with its aspect ratio kept and placed at the top-left, black beyond
 *   (InsightFace `SCRFD.detect`).
 * - nine outputs, with or without a leading batch dimension: scores [N, 1] for strides 8, 16,
 *   32, then boxes [N, 4] (distances to the box sides, in strides), then keypoints [N, 10]
 *   (offsets of the five points, in strides); N = (H / s) · (W / s) · 2. See {@link decodeScrfd}.
 *
 * Its five points are the ArcFace points, so no landmark model is needed after it.
 */
export class ScrfdDetector implements FaceDetector {
  readonly givesLandmarks = true;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly #session: InferenceSession;
  readonly #inputName: string;
  readonly #scoreThreshold: number;
  readonly #iouThreshold: number;
  readonly #minFaceSize: number;
  readonly #maxFaces: number;

  constructor(session: InferenceSession, options: ScrfdOptions) {
    const input = session.inputMetadata[0];
    if (!input?.isTensor || input.shape.length !== 4 || input.shape[1] !== 3) {
      throw new TypeError('session: not an SCRFD model (expected one input [1, 3, H, W])');
    }
    if (session.outputNames.length !== 9) {
      throw new TypeError(
        `session: SCRFD with keypoints has 9 outputs, this model has ${session.outputNames.length} ` +
          '(models without keypoints are not supported)',
      );
    }
    const [h, w] = [input.shape[2], input.shape[3]];
    this.inputHeight = typeof h === 'number' ? h : options.inputHeight;
    this.inputWidth = typeof w === 'number' ? w : options.inputWidth;
    if (this.inputWidth % 32 !== 0 || this.inputHeight % 32 !== 0) {
      throw new TypeError('options.inputWidth and inputHeight must be multiples of 32');
    }
    this.#session = session;
    this.#inputName = input.name;
    this.#scoreThreshold = options.scoreThreshold;
    this.#iouThreshold = options.iouThreshold;
    this.#minFaceSize = options.minFaceSize;
    this.#maxFaces = options.maxFaces;
  }

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    const w = this.inputWidth;
    const h = this.inputHeight;
    // 1. Fit, aspect ratio kept, at the top-left; black beyond (InsightFace's `det_img` of zeros).
    const scale = Math.min(w / image.width, h / image.height);
    const rw = Math.max(1, Math.min(w, Math.round(image.width * scale)));
    const rh = Math.max(1, Math.min(h, Math.round(image.height * scale)));
    const part = resampleRegion(image, { x: 0, y: 0, width: image.width, height: image.height }, rw, rh);
    const canvas = new Float32Array(w * h * 3);
    for (let y = 0; y < rh; y++) canvas.set(part.subarray(y * rw * 3, (y + 1) * rw * 3), y * w * 3);
    const tensor = new Tensor('float32', toPlanar(canvas, w * h, 127.5, 128, 'rgb'), [1, 3, h, w]);
    // 2. Run; outputs in the session's order (InsightFace relies on it too).
    const result = await this.#session.run({ [this.#inputName]: tensor });
    const outputs = this.#session.outputNames.map((name) => result[name]!.data as Float32Array);
    // 3. Decode, back to source pixels, NMS.
    const sx = image.width / rw;
    const sy = image.height / rh;
    const candidates = decodeScrfd(outputs, w, h, this.#scoreThreshold).map((c) => ({
      x1: c.x1 * sx,
      y1: c.y1 * sy,
      x2: c.x2 * sx,
      y2: c.y2 * sy,
      score: c.score,
      kps: c.kps.map((v, i) => v * (i % 2 === 0 ? sx : sy)),
    }));
    const faces: DetectedFace[] = [];
    for (const c of nonMaxSuppression(candidates, this.#iouThreshold, this.#maxFaces)) {
      const x1 = Math.max(0, c.x1);
      const y1 = Math.max(0, c.y1);
      const x2 = Math.min(image.width, c.x2);
      const y2 = Math.min(image.height, c.y2);
      if (x2 - x1 <= 0 || y2 - y1 <= 0 || Math.min(x2 - x1, y2 - y1) < this.#minFaceSize) continue;
      const p = (j: number): Point => [c.kps[2 * j]!, c.kps[2 * j + 1]!];
      const landmarks5: FivePoints = [p(0), p(1), p(2), p(3), p(4)];
      faces.push({ box: [x1, y1, x2 - x1, y2 - y1], score: c.score, landmarks5 });
    }
    return faces;
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
