/**
 * Greedy non-maximum suppression by intersection over union, as in the reference detectors
 * (UltraFace `box_utils.hard_nms`, InsightFace SCRFD `nms`): take the best-scoring box, drop every
 * other box overlapping it by more than `iouThreshold`, repeat.
 */

/** A candidate: corners x1, y1, x2, y2 (any unit) and its score. */
export interface ScoredBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: ScoredBox, b: ScoredBox): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * The boxes kept, best score first.
 * @param iouThreshold overlap above which the lower-scoring box is dropped (0..1).
 * @param maxKeep stop after this many boxes.
 */
export function nonMaxSuppression<T extends ScoredBox>(
  boxes: readonly T[],
  iouThreshold: number,
  maxKeep = Infinity,
): T[] {
  const sorted = [...boxes].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  const dropped = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && kept.length < maxKeep; i++) {
    if (dropped[i]) continue;
    const best = sorted[i]!;
    kept.push(best);
    for (let j = i + 1; j < sorted.length; j++) {
      if (!dropped[j] && iou(best, sorted[j]!) > iouThreshold) dropped[j] = 1;
    }
  }
  return kept;
}
