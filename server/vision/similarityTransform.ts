import type { Affine } from './imageResample.js';
import type { Point } from './visionTypes.js';

/**
 * The least-squares similarity transform (rotation, uniform scale, translation; no reflection)
 * taking points `from` onto points `to`: S. Umeyama, "Least-squares estimation of transformation
 * parameters between two point patterns", IEEE TPAMI 13(4), 1991 — the estimator InsightFace
 * uses for face alignment (`skimage.transform.SimilarityTransform.estimate`, i.e. `_umeyama`).
 *
 * In two dimensions Umeyama's SVD solution has a closed form: with both point sets centred on
 * their means (s_i, d_i), the map is [a −b; b a]·p + t where
 *   a = Σ (s_i · d_i) / Σ |s_i|²,   b = Σ (s_i × d_i) / Σ |s_i|²,   t = mean(to) − [a −b; b a]·mean(from),
 * which minimises Σ |[a −b; b a]·from_i + t − to_i|² over all rotations and scales (Umeyama's
 * reflection correction, d = diag(1, −1), is never needed: [a −b; b a] is a rotation times a scale).
 *
 * @returns the affine map as `[a, b, c, d, e, f]` (x' = a·x + b·y + c, y' = d·x + e·y + f).
 */
export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): Affine {
  if (from.length !== to.length || from.length < 2) {
    throw new TypeError('from and to must hold the same number of points, at least 2');
  }
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const sx = from[i]![0] - fx;
    const sy = from[i]![1] - fy;
    const dx = to[i]![0] - tx;
    const dy = to[i]![1] - ty;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
    norm += sx * sx + sy * sy;
  }
  if (norm === 0) throw new TypeError('from: the points all coincide');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}

/** The inverse of an invertible affine map. */
export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0) throw new TypeError('m is not invertible');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/** Applies an affine map to a point. */
export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}
