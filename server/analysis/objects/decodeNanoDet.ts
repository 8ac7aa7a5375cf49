import type { ObjectCandidate, OutputArray } from './objectCandidates.js';

/** NanoDet-m's strides, px of the 416 input per feature cell. */
const STRIDES = [8, 16, 32] as const;
/** Bins of the general distribution per box side (GFL `reg_max` + 1). */
const BINS = 11;
const CLASSES = 80;

/**
 * Decodes NanoDet-m (https://github.com/RangiLyu/nanodet, Generalized Focal Loss head, Li et al.
 * NeurIPS 2020) for a `inputSize` × `inputSize` input: per stride s (8, 16, 32) a grid of
 * (inputSize / s)² cells gives class scores `[1, N, 80]` (already sigmoid) and box distributions
 * `[1, N, 44]` = 4 sides (left, top, right, bottom) × 11 bins. A side's distance is the expected
 * bin, Σ softmax(bins)ₖ · k, times s, from the cell centre ((col + 0.5) · s, (row + 0.5) · s).
 * Outputs are told apart by shape, not name (the converted graph names them `Identity_k`).
 * `@vladmandic/human` src/object/nanodet.ts takes the arg-max bin with an ad-hoc scale instead;
 * this is the head's own decoding (nanodet/model/head/gfl_head.py, `Integral`).
 */
export function decodeNanoDet(outputs: readonly OutputArray[], minScore: number, inputSize = 416): ObjectCandidate[] {
  const out: ObjectCandidate[] = [];
  const probabilities = new Float64Array(BINS);
  for (const stride of STRIDES) {
    const side = Math.ceil(inputSize / stride);
    const cells = side * side;
    const scores = outputs.find((o) => o.shape[1] === cells && o.shape[2] === CLASSES);
    const boxes = outputs.find((o) => o.shape[1] === cells && o.shape[2] === 4 * BINS);
    if (!scores || !boxes) throw new Error(`NanoDet: no outputs for stride ${stride} (${cells} cells)`);
    for (let i = 0; i < cells; i++) {
      const cx = ((i % side) + 0.5) * stride;
      const cy = (Math.floor(i / side) + 0.5) * stride;
      let distances: number[] | undefined;
      for (let c = 0; c < CLASSES; c++) {
        const score = scores.data[i * CLASSES + c]!;
        if (!(score >= minScore)) continue;
        distances ??= sideDistances(boxes.data, i * 4 * BINS, probabilities, stride);
        const [l, t, r, b] = distances as [number, number, number, number];
        out.push({ x1: cx - l, y1: cy - t, x2: cx + r, y2: cy + b, score, classIndex: c });
      }
    }
  }
  return out;
}

/** The four side distances, input px, of the distribution at `offset`. */
function sideDistances(data: Float32Array, offset: number, p: Float64Array, stride: number): number[] {
  const result: number[] = [];
  for (let s = 0; s < 4; s++) {
    const base = offset + s * BINS;
    let max = -Infinity;
    for (let k = 0; k < BINS; k++) max = Math.max(max, data[base + k]!);
    let sum = 0;
    for (let k = 0; k < BINS; k++) sum += p[k] = Math.exp(data[base + k]! - max);
    let expected = 0;
    for (let k = 0; k < BINS; k++) expected += (p[k]! / sum) * k;
    result.push(expected * stride);
  }
  return result;
}
