import * as tf from '@tensorflow/tfjs-core';
import { resampleRegion, warpAffine, type Affine } from '../../vision/imageResample.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import { TfjsGraphModel } from '../tfjs/TfjsGraphModel.js';
import { HAND_LANDMARK_MODELS, type HandLandmarkModelName, PALM_DETECTOR_FILE } from './handsConfig.js';
import type { HandStepRequest, HandStepResult } from './handInferenceProtocol.js';
import type { HandLandmarks, HandRoi, Landmark3, PalmDetection } from './handTypes.js';
import { palmAnchors, PALM_ANCHOR_OPTIONS } from './palmAnchors.js';

/** Side of the palm detector's square input, px. */
const DETECT_SIZE = PALM_ANCHOR_OPTIONS.inputSize;
/** Side of the landmark model's square input, px. */
const LANDMARK_SIZE = 224;
/** Values per detector row: score logit, box (cx, cy, w, h), 7 × (x, y). */
const DETECT_ROW = 19;
/** Palms overlapping more than this (IoU) are one palm. */
const NMS_IOU = 0.3;
/**
 * Palm box → landmark ROI (MediaPipe hand_landmark_tracking: RectTransformationCalculator after
 * the palm detection): enlarge 2.6 ×, move half a box toward the fingers, make square.
 */
const PALM_ROI = { scale: 2.6, shiftY: -0.5 } as const;
/**
 * Landmarks → next frame's ROI (MediaPipe hand_landmark_landmarks_to_roi.pbtxt): box of the palm
 * and lower finger joints, enlarged 2 ×, moved 0.1 box toward the fingers, square.
 */
const LANDMARK_ROI = { scale: 2.0, shiftY: -0.1, points: [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18] } as const;

/** Options of {@link HandLandmarker.create}. */
export interface HandLandmarkerOptions {
  /** Folder relative model paths are resolved against (the project root; models live under models/). */
  root: string;
  /** Landmark model variant (handsConfig.ts's registry). */
  model: HandLandmarkModelName;
}

/** Options of {@link HandLandmarker.findHands}. */
export interface FindHandsOptions {
  /** Most hands returned. */
  maxHands: number;
  /** Palm detector score a hand needs, 0..1. */
  minDetectionScore: number;
  /** Landmark presence a hand needs, 0..1. */
  minPresenceScore: number;
  /**
   * Also look at the whole picture (a centred square ROI, upright) besides the palms: a close-up
   * of one hand filling the picture, which the 256-pixel palm detector often misses (fists, a
   * pointing finger) or finds only in part. Default false.
   */
  wholePicture?: boolean;
}

/**
 * MediaPipe Hands on TF.js WASM (the thread that creates it): the palm detector (SSD, 256 × 256,
 * anchors from palmAnchors.ts) and the 21-point landmark model (224 × 224 crop rotated so the
 * hand points up). Two ways to use it, as MediaPipe's hand_landmark_tracking graph does:
 * `detectPalms` → `roiFromPalm` → `landmarks` for a new hand, and `roiFromLandmarks` of the
 * previous frame → `landmarks` for a tracked one (one landmark run per hand and frame).
 * `findHands` does the whole thing on a still picture.
 *
 * Input normalisation, read from the models and from `@vladmandic/human` 3.3.6
 * (src/hand/handposedetector.ts, handtrack.ts) and MediaPipe's graphs: detector RGB
 * `v / 127.5 - 1`, letterboxed (zero padding) to a square; landmarks RGB `v / 255`.
 * Detector rows: `[score logit, cx, cy, w, h, 7 × (x, y)]`, offsets in input px from the anchor
 * centre. Landmark outputs: `Identity` 63 = 21 × (x, y, z) in crop px, `Identity_1` presence,
 * `Identity_2` handedness, `Identity_3` world landmarks (m, unused).
 */
export class HandLandmarker {
  readonly #detector: TfjsGraphModel;
  readonly #landmarker: TfjsGraphModel;
  readonly #anchors = palmAnchors();
  #disposed = false;

  private constructor(detector: TfjsGraphModel, landmarker: TfjsGraphModel) {
    this.#detector = detector;
    this.#landmarker = landmarker;
  }

  /**
   * Loads both models (checksums checked against scripts/models.manifest.json).
   * @throws ModelFileError when a model file is missing or altered.
   */
  static async create(options: HandLandmarkerOptions): Promise<HandLandmarker> {
    const detector = await TfjsGraphModel.load(options.root, `models/${PALM_DETECTOR_FILE}`);
    const landmarker = await TfjsGraphModel.load(options.root, `models/${HAND_LANDMARK_MODELS[options.model].file}`);
    return new HandLandmarker(detector, landmarker);
  }

  /**
   * Palms in `image`, best first, after non-maximum suppression (IoU 0.3).
   * @param minScore 0..1.
   * @param max most palms returned.
   */
  detectPalms(image: RgbImage, minScore: number, max: number): PalmDetection[] {
    const { width, height } = image;
    const side = Math.max(width, height);
    const ox = (width - side) / 2;
    const oy = (height - side) / 2;
    const hwc = resampleRegion(image, { x: ox, y: oy, width: side, height: side }, DETECT_SIZE, DETECT_SIZE);
    // Letterbox: the padding is black as in MediaPipe's ImageToTensorCalculator (resampleRegion repeats the edge).
    const scale = side / DETECT_SIZE;
    for (let v = 0; v < DETECT_SIZE; v++) {
      const sy = oy + (v + 0.5) * scale;
      const rowOut = sy < 0 || sy >= height;
      for (let u = 0; u < DETECT_SIZE; u++) {
        const sx = ox + (u + 0.5) * scale;
        const o = (v * DETECT_SIZE + u) * 3;
        if (rowOut || sx < 0 || sx >= width) {
          hwc[o] = 0;
          hwc[o + 1] = 0;
          hwc[o + 2] = 0;
        }
      }
    }
    for (let i = 0; i < hwc.length; i++) hwc[i] = hwc[i]! / 127.5 - 1;
    const raw = tf.tidy(() => {
      const input = tf.tensor4d(hwc, [1, DETECT_SIZE, DETECT_SIZE, 3]);
      return (this.#detector.graph.execute(input) as tf.Tensor).dataSync() as Float32Array;
    });
    const logit = Math.log(minScore / (1 - minScore));
    const candidates: PalmDetection[] = [];
    for (let i = 0; i < this.#anchors.length; i++) {
      const r = i * DETECT_ROW;
      if (raw[r]! < logit) continue;
      const anchor = this.#anchors[i]!;
      const toX = (v: number): number => (v / DETECT_SIZE + anchor.x) * side + ox;
      const toY = (v: number): number => (v / DETECT_SIZE + anchor.y) * side + oy;
      const cx = toX(raw[r + 1]!);
      const cy = toY(raw[r + 2]!);
      const w = (raw[r + 3]! / DETECT_SIZE) * side;
      const h = (raw[r + 4]! / DETECT_SIZE) * side;
      const keypoints: [number, number][] = [];
      for (let k = 0; k < 7; k++) keypoints.push([toX(raw[r + 5 + 2 * k]!), toY(raw[r + 6 + 2 * k]!)]);
      candidates.push({ box: [cx - w / 2, cy - h / 2, w, h], keypoints, score: 1 / (1 + Math.exp(-raw[r]!)) });
    }
    candidates.sort((a, b) => b.score - a.score);
    const kept: PalmDetection[] = [];
    for (const c of candidates) {
      if (kept.length >= max) break;
      if (kept.every((k) => iou(k.box, c.box) <= NMS_IOU)) kept.push(c);
    }
    return kept;
  }

  /**
   * The 21 landmarks inside `roi` (a rotated square of `image`), or their presence only when
   * the model says there is no hand (`presence` below what the caller accepts).
   */
  landmarks(image: RgbImage, roi: HandRoi): HandLandmarks {
    const k = roi.size / LANDMARK_SIZE;
    const cos = Math.cos(roi.rotation);
    const sin = Math.sin(roi.rotation);
    const half = roi.size / 2;
    // Crop point (u, v) shows image point centre + R(rotation)·((u, v)·k − half).
    const toSource: Affine = [
      cos * k,
      -sin * k,
      roi.cx - cos * half + sin * half,
      sin * k,
      cos * k,
      roi.cy - sin * half - cos * half,
    ];
    // 2 × 2 samples per crop pixel at most: 4 × 4 (the face crops' default) costs ~20 ms for a
    // hand filling a 640-pixel frame and changes nothing the landmark model sees at 224 px.
    const hwc = warpAffine(image, toSource, LANDMARK_SIZE, LANDMARK_SIZE, 2);
    for (let i = 0; i < hwc.length; i++) hwc[i] = hwc[i]! / 255;
    const [points, presence, handedness] = tf.tidy(() => {
      const input = tf.tensor4d(hwc, [1, LANDMARK_SIZE, LANDMARK_SIZE, 3]);
      const out = this.#landmarker.graph.execute(input, ['Identity', 'Identity_1', 'Identity_2']) as tf.Tensor[];
      return out.map((t) => t.dataSync() as Float32Array);
    });
    const keypoints: Landmark3[] = [];
    for (let i = 0; i < 21; i++) {
      const u = points![i * 3]!;
      const v = points![i * 3 + 1]!;
      keypoints.push([
        toSource[0] * u + toSource[1] * v + toSource[2],
        toSource[3] * u + toSource[4] * v + toSource[5],
        points![i * 3 + 2]! * k,
      ]);
    }
    const right = handedness![0]!;
    return {
      box: boundingBox(keypoints),
      keypoints,
      presence: presence![0]!,
      handedness: right > 0.5 ? 'right' : 'left',
      handednessScore: right,
      roi,
    };
  }

  /**
   * Every hand in a still picture: palms, then landmarks twice per palm (the second time in the
   * ROI the first landmarks give, as the next frame of a live stream would), overlapping results
   * merged. Best presence first.
   */
  findHands(image: RgbImage, options: FindHandsOptions): HandLandmarks[] {
    const palms = this.detectPalms(image, options.minDetectionScore, options.maxHands * 2);
    const rois = palms.map(roiFromPalm);
    if (options.wholePicture) {
      rois.push({ cx: image.width / 2, cy: image.height / 2, size: Math.max(image.width, image.height), rotation: 0 });
    }
    const found: HandLandmarks[] = [];
    for (const roi of rois) {
      const first = this.landmarks(image, roi);
      if (first.presence < options.minPresenceScore) continue;
      const second = this.landmarks(image, roiFromLandmarks(first.keypoints));
      found.push(second.presence >= options.minPresenceScore ? second : first);
    }
    const hands: HandLandmarks[] = [];
    for (const hand of found.sort((a, b) => b.presence - a.presence)) {
      if (hands.length < options.maxHands && hands.every((h) => overlap(h.box, hand.box) <= 0.5)) hands.push(hand);
    }
    return hands;
  }

  /**
   * One live analysis step (MediaPipe's tracking): a landmark run in each tracked hand's ROI;
   * then, when `detect`, the palm detector for up to `maxHands` new hands whose palm centre is
   * outside every hand just found (each new one: landmarks in its palm ROI, refined once).
   */
  step(request: HandStepRequest): HandStepResult {
    const started = performance.now();
    const { image, minPresenceScore } = request;
    const tracked = request.rois.map((roi) => {
      const hand = this.landmarks(image, roi);
      return hand.presence >= minPresenceScore ? hand : null;
    });
    const fresh: HandLandmarks[] = [];
    let detectMs = 0;
    if (request.detect && request.maxHands > 0) {
      const detectStarted = performance.now();
      const palms = this.detectPalms(image, request.minDetectionScore, request.maxHands * 2);
      detectMs = performance.now() - detectStarted;
      const held = tracked.filter((h): h is HandLandmarks => h !== null);
      for (const palm of palms) {
        if (fresh.length >= request.maxHands) break;
        const cx = palm.box[0] + palm.box[2] / 2;
        const cy = palm.box[1] + palm.box[3] / 2;
        if ([...held, ...fresh].some((h) => inside(h.box, cx, cy))) continue;
        const first = this.landmarks(image, roiFromPalm(palm));
        if (first.presence < minPresenceScore) continue;
        const second = this.landmarks(image, roiFromLandmarks(first.keypoints));
        fresh.push(second.presence >= minPresenceScore ? second : first);
      }
    }
    const totalMs = performance.now() - started;
    return {
      tracked,
      fresh,
      detected: request.detect,
      timings: { detectMs, landmarksMs: totalMs - detectMs, totalMs },
    };
  }

  /** Releases both models. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#detector.dispose();
    this.#landmarker.dispose();
  }
}

/** Rotation (rad, clockwise, 0 = pointing up) of the vector from `from` to `to` (MediaPipe's DetectionsToRectsCalculator). */
export function handRotation(from: readonly number[], to: readonly number[]): number {
  const angle = Math.PI / 2 - Math.atan2(-(to[1]! - from[1]!), to[0]! - from[0]!);
  return angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
}

/** Moves, enlarges and squares a rotated box (MediaPipe's RectTransformationCalculator). */
function transformRect(
  cx: number,
  cy: number,
  width: number,
  height: number,
  rotation: number,
  scale: number,
  shiftY: number,
): HandRoi {
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  return {
    cx: cx - height * shiftY * sin,
    cy: cy + height * shiftY * cos,
    size: Math.max(width, height) * scale,
    rotation,
  };
}

/** The landmark ROI of a palm detection (rotation wrist centre → middle-finger MCP). */
export function roiFromPalm(palm: PalmDetection): HandRoi {
  const [x, y, w, h] = palm.box;
  const rotation = handRotation(palm.keypoints[0]!, palm.keypoints[2]!);
  return transformRect(x + w / 2, y + h / 2, w, h, rotation, PALM_ROI.scale, PALM_ROI.shiftY);
}

/**
 * The next frame's ROI from this frame's landmarks: rotation wrist (0) → middle-finger MCP (9);
 * box of the palm and lower joints measured in the hand's rotated frame.
 */
export function roiFromLandmarks(keypoints: readonly (readonly number[])[]): HandRoi {
  const rotation = handRotation(keypoints[0]!, keypoints[9]!);
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const i of LANDMARK_ROI.points) {
    const [x, y] = keypoints[i]!;
    // Into the hand's frame: R(−rotation)·p.
    const u = cos * x! + sin * y!;
    const v = -sin * x! + cos * y!;
    minU = Math.min(minU, u);
    maxU = Math.max(maxU, u);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  const cu = (minU + maxU) / 2;
  const cv = (minV + maxV) / 2;
  return transformRect(
    cos * cu - sin * cv,
    sin * cu + cos * cv,
    maxU - minU,
    maxV - minV,
    rotation,
    LANDMARK_ROI.scale,
    LANDMARK_ROI.shiftY,
  );
}

/** Axis-aligned `[x, y, w, h]` around points. */
export function boundingBox(points: readonly (readonly number[])[]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    x0 = Math.min(x0, x!);
    y0 = Math.min(y0, y!);
    x1 = Math.max(x1, x!);
    y1 = Math.max(y1, y!);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

function inside(box: readonly number[], x: number, y: number): boolean {
  return x >= box[0]! && y >= box[1]! && x <= box[0]! + box[2]! && y <= box[1]! + box[3]!;
}

/** Intersection over the smaller box's area (1 when one box lies inside the other). */
export function overlap(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0]!, b[0]!);
  const y0 = Math.max(a[1]!, b[1]!);
  const x1 = Math.min(a[0]! + a[2]!, b[0]! + b[2]!);
  const y1 = Math.min(a[1]! + a[3]!, b[1]! + b[3]!);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const smaller = Math.min(a[2]! * a[3]!, b[2]! * b[3]!);
  return smaller > 0 ? inter / smaller : 0;
}

/** Intersection over union of two `[x, y, w, h]` boxes. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const x0 = Math.max(a[0]!, b[0]!);
  const y0 = Math.max(a[1]!, b[1]!);
  const x1 = Math.min(a[0]! + a[2]!, b[0]! + b[2]!);
  const y1 = Math.min(a[1]! + a[3]!, b[1]! + b[3]!);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a[2]! * a[3]! + b[2]! * b[3]! - inter;
  return union > 0 ? inter / union : 0;
}
