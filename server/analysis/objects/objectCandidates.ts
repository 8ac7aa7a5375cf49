import type { ScoredBox } from '../../vision/nms.js';

/** One model output read back from TF.js: its shape and values (row-major). */
export interface OutputArray {
  shape: readonly number[];
  data: Float32Array;
}

/**
 * A detection before non-maximum suppression: corners `x1, y1, x2, y2` in the model's input
 * pixels (the image stretched to the input size), score 0..1, COCO class index 0..79.
 */
export interface ObjectCandidate extends ScoredBox {
  classIndex: number;
}

/** Turns a model's outputs into candidates scoring at least `minScore`. */
export type ObjectDecoder = (outputs: readonly OutputArray[], minScore: number) => ObjectCandidate[];
