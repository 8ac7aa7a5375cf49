import * as tf from '@tensorflow/tfjs-core';
import { InvalidStateError } from '../../../media/core/errors.js';
import { TfjsGraphModel } from '../tfjs/TfjsGraphModel.js';
import { resampleRegion } from '../../vision/imageResample.js';
import { nonMaxSuppression } from '../../vision/nms.js';
import type { Box, RgbImage } from '../../vision/visionTypes.js';
import { COCO_CLASSES } from './cocoClasses.js';
import type { ObjectCandidate, OutputArray } from './objectCandidates.js';
import { OBJECT_MODELS, type ObjectModelName, type ObjectModelSpec } from './objectModels.js';

/** One object found in an image. */
export interface DetectedObject {
  /** `[x, y, width, height]` in the image's pixels, clipped to the image. */
  box: Box;
  /** COCO class name (server/analysis/objects/cocoClasses.ts). */
  label: string;
  /** Detector score 0..1. */
  score: number;
}

/** Options of {@link ObjectDetector.detect}. */
export interface DetectOptions {
  /**
   * Least score kept for every class, 0..1; default the model's, with its per-class exceptions
   * (objectModels.ts).
   */
  minScore?: number;
  /** Only these class names (default all 80). */
  classes?: readonly string[];
}

/**
 * A COCO detector of the registry (objectModels.ts) on TF.js's WASM backend, in the thread that
 * loads it: an RGB image in, boxes in image pixels out, after a per-class greedy NMS
 * (server/vision/nms.ts) and a looser one across classes (`crossClassIou`). The image is
 * stretched to the model's square input (area-averaged, server/vision/imageResample.ts), so boxes
 * are scaled back per axis. About 200 ms per frame on one WASM thread (either model); the WASM
 * backend's threaded build does not run under Node (tfjs#3830), so it is single-threaded.
 */
export class ObjectDetector {
  readonly model: ObjectModelName;
  readonly #spec: ObjectModelSpec;
  readonly #graph: TfjsGraphModel;
  #closed = false;

  private constructor(model: ObjectModelName, graph: TfjsGraphModel) {
    this.model = model;
    this.#spec = OBJECT_MODELS[model];
    this.#graph = graph;
  }

  /**
   * Loads `model`'s files under `root` (checked against scripts/models.manifest.json).
   * @throws ModelFileError when a file is missing or altered.
   */
  static async load(root: string, model: ObjectModelName): Promise<ObjectDetector> {
    return new ObjectDetector(model, await TfjsGraphModel.load(root, OBJECT_MODELS[model].file));
  }

  /**
   * The objects in `image`, best score first.
   * @throws InvalidStateError after `close()`.
   */
  async detect(image: RgbImage, options: DetectOptions = {}): Promise<DetectedObject[]> {
    if (this.#closed) throw new InvalidStateError('the object detector is closed');
    const spec = this.#spec;
    const perClass: Readonly<Partial<Record<string, number>>> =
      options.minScore === undefined ? (spec.classMinScore ?? {}) : {};
    const minScore = options.minScore ?? spec.minScore;
    const lowest = Math.min(minScore, ...Object.values(perClass).map((v) => v ?? 1));
    const size = spec.inputSize;
    const hwc = resampleRegion(image, { x: 0, y: 0, width: image.width, height: image.height }, size, size);
    const values = normalise(hwc, spec);
    const shape: [number, number, number, number] = spec.layout === 'nchw' ? [1, 3, size, size] : [1, size, size, 3];
    const input = tf.tensor4d(values, shape);
    let outputs: tf.Tensor[] = [];
    try {
      const result = this.#graph.graph.execute(input, spec.outputs);
      outputs = Array.isArray(result) ? result : [result];
      const arrays: OutputArray[] = await Promise.all(
        outputs.map(async (t) => ({ shape: t.shape, data: (await t.data()) as Float32Array })),
      );
      const candidates = spec
        .decode(arrays, lowest)
        .filter((c) => c.score >= (perClass[COCO_CLASSES[c.classIndex]!] ?? minScore));
      return this.#toObjects(candidates, image, options.classes);
    } finally {
      input.dispose();
      tf.dispose(outputs);
    }
  }

  #toObjects(candidates: ObjectCandidate[], image: RgbImage, classes?: readonly string[]): DetectedObject[] {
    const wanted = classes ? new Set(classes) : undefined;
    const byClass = new Map<number, ObjectCandidate[]>();
    for (const c of candidates) {
      if (wanted && !wanted.has(COCO_CLASSES[c.classIndex]!)) continue;
      const list = byClass.get(c.classIndex) ?? [];
      list.push(c);
      byClass.set(c.classIndex, list);
    }
    const sx = image.width / this.#spec.inputSize;
    const sy = image.height / this.#spec.inputSize;
    const perClass: ObjectCandidate[] = [];
    for (const list of byClass.values()) perClass.push(...nonMaxSuppression(list, this.#spec.iouThreshold));
    const objects: DetectedObject[] = [];
    for (const c of nonMaxSuppression(perClass, this.#spec.crossClassIou)) {
      const x1 = clamp(c.x1 * sx, image.width);
      const y1 = clamp(c.y1 * sy, image.height);
      const x2 = clamp(c.x2 * sx, image.width);
      const y2 = clamp(c.y2 * sy, image.height);
      if (x2 <= x1 || y2 <= y1) continue;
      objects.push({ box: [x1, y1, x2 - x1, y2 - y1], label: COCO_CLASSES[c.classIndex]!, score: c.score });
    }
    return objects.sort((a, b) => b.score - a.score);
  }

  /** Releases the model. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#graph.dispose();
  }
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

/**
 * Interleaved RGB floats (0..255) → the model's input values: channels in `spec.order`, each
 * `(v - mean[c]) / std[c]`, planar for NCHW, interleaved (in place) for NHWC.
 */
function normalise(hwc: Float32Array, spec: ObjectModelSpec): Float32Array {
  const pixels = hwc.length / 3;
  const source = spec.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  const scale = spec.std.map((s) => 1 / s);
  const out = spec.layout === 'nchw' ? new Float32Array(hwc.length) : hwc;
  for (let c = 0; c < 3; c++) {
    const from = source[c]!;
    const mean = spec.mean[c]!;
    const k = scale[c]!;
    if (spec.layout === 'nchw') {
      const plane = c * pixels;
      for (let i = 0; i < pixels; i++) out[plane + i] = (hwc[i * 3 + from]! - mean) * k;
    } else if (mean !== 0 || k !== 1 || from !== c) {
      throw new Error('interleaved inputs are fed as RGB 0..255 (no model of the registry needs more)');
    }
  }
  return out;
}
