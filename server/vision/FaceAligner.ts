import { type Affine, warpAffine } from './imageResample.js';
import { estimateSimilarity, invertAffine } from './similarityTransform.js';
import type { FivePoints, RgbImage } from './visionTypes.js';

/**
 * Where the five points land in a 112 × 112 ArcFace crop: InsightFace's `arcface_dst`
 * (python-package/insightface/utils/face_align.py), the template every ArcFace-family model
 * (and faceplugin's fr_feature.onnx, lib/fr_feature.js REFERENCE_FACIAL_POINTS) was trained on.
 * Order: eye on the image's left, eye on the right, nose tip, mouth corner left, right.
 */
export const ARCFACE_TEMPLATE_112: FivePoints = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** A face aligned for an embedder. */
export interface AlignedFace {
  /** Interleaved float RGB, 0..255, size × size × 3 values. */
  rgb: Float32Array;
  /** Side of the crop, px. */
  size: number;
  /** Crop pixels → image pixels. */
  toImage: Affine;
}

/**
 * Aligns a face to the ArcFace template: the similarity transform that best maps its five
 * points onto {@link ARCFACE_TEMPLATE_112} (Umeyama least squares, as InsightFace's
 * `norm_crop`), then a bilinear warp of the image into a size × size crop.
 */
export class FaceAligner {
  readonly size: number;
  readonly #template: FivePoints;

  /** @param size crop side, px (default 112; the template scales with it). */
  constructor(size = 112) {
    if (!Number.isInteger(size) || size < 16) throw new TypeError('size must be an integer ≥ 16');
    this.size = size;
    const k = size / 112;
    this.#template = ARCFACE_TEMPLATE_112.map(([x, y]) => [x * k, y * k] as const) as unknown as FivePoints;
  }

  align(image: RgbImage, landmarks5: FivePoints): AlignedFace {
    const toCrop = estimateSimilarity(landmarks5, this.#template);
    const toImage = invertAffine(toCrop);
    return { rgb: warpAffine(image, toImage, this.size, this.size), size: this.size, toImage };
  }
}
