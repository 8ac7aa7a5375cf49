import './ortTelemetryOff.js';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { resampleRegion, toPlanar } from './imageResample.js';
import { nonMaxSuppression, type ScoredBox } from './nms.js';
import type { DetectedFace, FaceDetector, RgbImage } from './visionTypes.js';

/** How the frame is fitted into the detector's fixed input. */
export type FitMode = 'stretch' | 'letterbox';

/**
 * Options of {@link UltraFaceDetector}: the `vision.models.detector` entry of architecture
 * `ultraface` and `vision.detection` (server/vision/visionConfig.ts holds their defaults).
 */
export interface UltraFaceOptions {
  /** Minimum face probability, 0..1 (`scoreThreshold`). */
  scoreThreshold: number;
  /** NMS: a box overlapping a better one by more than this IoU is dropped (`iouThreshold`). */
  iouThreshold: number;
  /**
   * 'stretch': the whole frame is resized to the input (320 × 240), changing its aspect ratio as
   * UltraFace's and faceplugin's own code do; 'letterbox': scaled to fit, aspect kept, the rest
   * filled with mid-grey (input value 0) (`fit`).
   */
  fit: FitMode;
  /** Faces smaller than this (shorter side, source px) are dropped; 0 keeps all (`vision.detection.minFaceSize`). */
  minFaceSize: number;
  /** At most this many faces, best first (`vision.detection.maxFaces`). */
  maxFaces: number;
}

/**
 * UltraFace ("Ultra-Light-Fast-Generic-Face-Detector-1MB", Linzaer, MIT) RFB-320 as shipped by
 * faceplugin-face-recognition-js (`model/fr_detect.onnx`). Layout (read from the model):
 *
 * - input `input` float32 [1, 3, 240, 320]: RGB, (x − 127) / 128, NCHW.
 * - output `scores` float32 [1, 4420, 2]: softmax (background, face) per prior.
 * - output `boxes` float32 [1, 4420, 4]: x1, y1, x2, y2 per prior, already decoded from the
 *   priors (min sizes 10–256 px on strides 8, 16, 32, 64), normalised to the input (0..1).
 *
 * Post-processing: score threshold, boxes mapped back to source pixels (inverse of the fit),
 * IoU NMS ({@link nonMaxSuppression}), clipped to the image.
 */
export class UltraFaceDetector implements FaceDetector {
  readonly givesLandmarks = false;
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly #session: InferenceSession;
  readonly #inputName: string;
  readonly #scoresName: string;
  readonly #boxesName: string;
  readonly #scoreThreshold: number;
  readonly #iouThreshold: number;
  readonly #fit: FitMode;
  readonly #minFaceSize: number;
  readonly #maxFaces: number;

  constructor(session: InferenceSession, options: UltraFaceOptions) {
    const input = session.inputMetadata[0];
    if (!input?.isTensor || input.shape.length !== 4 || input.shape[1] !== 3) {
      throw new TypeError('session: not an UltraFace model (expected one input [1, 3, H, W])');
    }
    const [height, width] = [input.shape[2], input.shape[3]];
    if (typeof height !== 'number' || typeof width !== 'number') {
      throw new TypeError('session: UltraFace input must have a fixed height and width');
    }
    if (session.outputNames.length !== 2) throw new TypeError('session: UltraFace has two outputs (scores, boxes)');
    this.#session = session;
    this.inputWidth = width;
    this.inputHeight = height;
    this.#inputName = input.name;
    // By name when the export kept them, else in the reference order (scores, boxes).
    this.#scoresName = session.outputNames.includes('scores') ? 'scores' : session.outputNames[0]!;
    this.#boxesName = session.outputNames.includes('boxes') ? 'boxes' : session.outputNames[1]!;
    this.#scoreThreshold = options.scoreThreshold;
    this.#iouThreshold = options.iouThreshold;
    this.#fit = options.fit;
    this.#minFaceSize = options.minFaceSize;
    this.#maxFaces = options.maxFaces;
  }

  async detect(image: RgbImage): Promise<DetectedFace[]> {
    const { tensor, scaleX, scaleY } = this.#prepare(image);
    const outputs = await this.#session.run({ [this.#inputName]: tensor });
    const scores = outputs[this.#scoresName]!.data as Float32Array;
    const boxes = outputs[this.#boxesName]!.data as Float32Array;
    const candidates: ScoredBox[] = [];
    const priors = scores.length / 2;
    for (let i = 0; i < priors; i++) {
      const score = scores[2 * i + 1]!;
      if (score < this.#scoreThreshold) continue;
      candidates.push({
        x1: boxes[4 * i]! * scaleX,
        y1: boxes[4 * i + 1]! * scaleY,
        x2: boxes[4 * i + 2]! * scaleX,
        y2: boxes[4 * i + 3]! * scaleY,
        score,
      });
    }
    return toFaces(nonMaxSuppression(candidates, this.#iouThreshold, this.#maxFaces), image, this.#minFaceSize);
  }

  async close(): Promise<void> {
    await this.#session.release();
  }

  /** The input tensor and the factors from normalised box coordinates to source pixels. */
  #prepare(image: RgbImage): { tensor: Tensor; scaleX: number; scaleY: number } {
    const w = this.inputWidth;
    const h = this.inputHeight;
    const full = { x: 0, y: 0, width: image.width, height: image.height };
    if (this.#fit === 'stretch') {
      const rgb = resampleRegion(image, full, w, h);
      return {
        tensor: new Tensor('float32', toPlanar(rgb, w * h, 127, 128, 'rgb'), [1, 3, h, w]),
        scaleX: image.width,
        scaleY: image.height,
      };
    }
    const s = Math.min(w / image.width, h / image.height);
    const rw = Math.max(1, Math.min(w, Math.round(image.width * s)));
    const rh = Math.max(1, Math.min(h, Math.round(image.height * s)));
    const part = resampleRegion(image, full, rw, rh);
    const canvas = new Float32Array(w * h * 3).fill(127);
    for (let y = 0; y < rh; y++) canvas.set(part.subarray(y * rw * 3, (y + 1) * rw * 3), y * w * 3);
    return {
      tensor: new Tensor('float32', toPlanar(canvas, w * h, 127, 128, 'rgb'), [1, 3, h, w]),
      scaleX: (w * image.width) / rw,
      scaleY: (h * image.height) / rh,
    };
  }
}

/** Kept boxes → faces: clipped to the image, too-small ones dropped. */
export function toFaces(kept: readonly ScoredBox[], image: RgbImage, minFaceSize: number): DetectedFace[] {
  const faces: DetectedFace[] = [];
  for (const b of kept) {
    const x1 = Math.max(0, b.x1);
    const y1 = Math.max(0, b.y1);
    const x2 = Math.min(image.width, b.x2);
    const y2 = Math.min(image.height, b.y2);
    if (x2 - x1 <= 0 || y2 - y1 <= 0 || Math.min(x2 - x1, y2 - y1) < minFaceSize) continue;
    faces.push({ box: [x1, y1, x2 - x1, y2 - y1], score: b.score });
  }
  return faces;
}
