import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosineSimilarity } from '../../../server/vision/cosineSimilarity.js';
import { ARCFACE_TEMPLATE_112, FaceAligner } from '../../../server/vision/FaceAligner.js';
import { l2Normalise } from '../../../server/vision/FaceEmbedder.js';
import { fivePointsFrom68 } from '../../../server/vision/FaceLandmarker68.js';
import { resampleRegion, toGreyPlane, toPlanar, warpAffine } from '../../../server/vision/imageResample.js';
import { iou, nonMaxSuppression } from '../../../server/vision/nms.js';
import { applyAffine, estimateSimilarity, invertAffine } from '../../../server/vision/similarityTransform.js';
import type { FivePoints, Point, RgbImage } from '../../../server/vision/visionTypes.js';

const close = (a: number, b: number, eps = 1e-6): void => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

/** An image whose pixel (x, y) is (x, y, 7) — positions can be read back from colours. */
function ramp(width: number, height: number, stride = width * 3): RgbImage {
  const data = new Uint8Array(stride * height).fill(99);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 7], y * stride + x * 3);
  }
  return { width, height, stride, data };
}

describe('similarity transform (Umeyama 1991, 2-D closed form)', () => {
  it('recovers an exact rotation + scale + translation from five points', () => {
    const theta = 0.3;
    const s = 1.7;
    const map = (p: Point): Point => [
      s * (Math.cos(theta) * p[0] - Math.sin(theta) * p[1]) + 12,
      s * (Math.sin(theta) * p[0] + Math.cos(theta) * p[1]) - 5,
    ];
    const from = ARCFACE_TEMPLATE_112;
    const m = estimateSimilarity(from, from.map(map));
    close(m[0], s * Math.cos(theta));
    close(m[3], s * Math.sin(theta));
    close(m[1], -m[3]);
    close(m[4], m[0]);
    for (const p of from) {
      const [x, y] = applyAffine(m, p);
      close(x, map(p)[0], 1e-9);
      close(y, map(p)[1], 1e-9);
    }
    const back = applyAffine(invertAffine(m), applyAffine(m, [3, 4]));
    close(back[0], 3, 1e-9);
    close(back[1], 4, 1e-9);
  });

  it('is the least-squares fit for noisy points (no better rotation/scale nearby) and never reflects', () => {
    const to: Point[] = ARCFACE_TEMPLATE_112.map(([x, y], i) => [
      x + [1, -2, 0.5, 1.5, -1][i]!,
      y + [0, 1, -1, 2, 0][i]!,
    ]);
    const m = estimateSimilarity(ARCFACE_TEMPLATE_112, to);
    const cost = (a: number, b: number, c: number, f: number): number =>
      ARCFACE_TEMPLATE_112.reduce((sum, [x, y], i) => {
        const dx = a * x - b * y + c - to[i]![0];
        const dy = b * x + a * y + f - to[i]![1];
        return sum + dx * dx + dy * dy;
      }, 0);
    const best = cost(m[0], m[3], m[2], m[5]);
    for (const [da, db] of [
      [1e-3, 0],
      [-1e-3, 0],
      [0, 1e-3],
      [0, -1e-3],
    ] as const) {
      assert.ok(cost(m[0] + da, m[3] + db, m[2], m[5]) > best);
    }
    // A mirrored point set still gives a rotation (determinant > 0), as Umeyama's correction does.
    const mirrored: Point[] = ARCFACE_TEMPLATE_112.map(([x, y]) => [-x, y]);
    const r = estimateSimilarity(ARCFACE_TEMPLATE_112, mirrored);
    assert.ok(r[0] * r[4] - r[1] * r[3] > 0);
  });

  it('rejects mismatched or degenerate point sets', () => {
    assert.throws(() => estimateSimilarity([[0, 0]], [[1, 1]]), TypeError);
    assert.throws(
      () =>
        estimateSimilarity(
          [
            [0, 0],
            [0, 0],
          ],
          [
            [1, 1],
            [2, 2],
          ],
        ),
      TypeError,
    );
  });
});

describe('FaceAligner', () => {
  it('maps the five points onto the ArcFace template and samples the right pixels', () => {
    // Five points of a face twice the template's size, shifted by (40, 30), in a ramp image.
    const points = ARCFACE_TEMPLATE_112.map(([x, y]) => [x * 2 + 40, y * 2 + 30] as const) as unknown as FivePoints;
    const image = ramp(300, 300);
    const aligned = new FaceAligner().align(image, points);
    assert.equal(aligned.size, 112);
    assert.equal(aligned.rgb.length, 112 * 112 * 3);
    for (const [i, [tx, ty]] of ARCFACE_TEMPLATE_112.entries()) {
      const [x, y] = applyAffine(aligned.toImage, [tx, ty]);
      close(x, points[i]![0], 1e-9);
      close(y, points[i]![1], 1e-9);
    }
    // Crop pixel (56, 56) shows image point (56.5·2 + 40, 56.5·2 + 30) = (153, 143) → colour ≈ (152.5, 142.5).
    const p = (56 * 112 + 56) * 3;
    close(aligned.rgb[p]!, 152.5, 0.01);
    close(aligned.rgb[p + 1]!, 142.5, 0.01);
    close(aligned.rgb[p + 2]!, 7, 1e-4);
  });
});

describe('resampling', () => {
  it('averages when shrinking (INTER_AREA), keeps constants, honours the stride', () => {
    const image = ramp(8, 4, 8 * 3 + 4);
    const out = resampleRegion(image, { x: 0, y: 0, width: 8, height: 4 }, 2, 1);
    // Output pixel 0 averages x 0..3 (mean 1.5) and y 0..3 (mean 1.5).
    assert.deepEqual(
      Array.from(out, (v) => Math.round(v * 1000) / 1000),
      [1.5, 1.5, 7, 5.5, 1.5, 7],
    );
    const grey: RgbImage = { width: 5, height: 5, data: new Uint8Array(75).fill(200) };
    for (const v of resampleRegion(grey, { x: -3, y: -3, width: 11, height: 11 }, 7, 3)) close(v, 200, 1e-3);
    for (const v of warpAffine(grey, [0.5, 0.1, -2, -0.1, 0.5, 9], 4, 4)) close(v, 200, 1e-3);
  });

  it('interpolates when enlarging, pixel centres aligned', () => {
    const image = ramp(4, 1);
    const out = resampleRegion(image, { x: 0, y: 0, width: 4, height: 1 }, 8, 1);
    // Output pixel i's centre is at source (i + 0.5) / 2 → value (i + 0.5) / 2 − 0.5, clamped at the edges.
    assert.deepEqual(
      Array.from({ length: 8 }, (_, i) => Math.round(out[i * 3]! * 1000) / 1000),
      [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3],
    );
  });

  it('normalises into planar tensors', () => {
    const hwc = Float32Array.from([255, 0, 127, 127, 127, 127]);
    assert.deepEqual(Array.from(toPlanar(hwc, 2, 127, 128, 'rgb')), [1, 0, -127 / 128, 0, 0, 0]);
    assert.deepEqual(Array.from(toPlanar(hwc, 2, 127, 128, 'bgr')), [0, 0, -127 / 128, 0, 1, 0]);
    close(toGreyPlane(Float32Array.from([255, 255, 255]), 1, 1 / 256)[0]!, 255 / 256, 1e-6);
  });
});

describe('non-maximum suppression', () => {
  it('keeps the best of overlapping boxes and every separate one', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9 };
    const b = { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.95 };
    const c = { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.5 };
    close(iou(a, b), 81 / 119);
    assert.deepEqual(nonMaxSuppression([a, b, c], 0.3), [b, c]);
    assert.deepEqual(nonMaxSuppression([a, b, c], 0.9), [b, a, c]);
    assert.deepEqual(nonMaxSuppression([a, b, c], 0.3, 1), [b]);
  });
});

describe('five points from 68 and similarity', () => {
  it('takes eye centres from the eyelids, the nose tip and the mouth corners (faceplugin convert68pts5pts)', () => {
    const points: Point[] = Array.from({ length: 68 }, (_, i) => [i, 2 * i]);
    const five = fivePointsFrom68(points);
    assert.deepEqual(five, [
      [39, 78],
      [45, 90],
      [30, 60],
      [54, 108],
      [59, 118],
    ]);
  });

  it('cosine similarity and L2 normalisation', () => {
    close(cosineSimilarity([1, 0], [0, 1]), 0);
    close(cosineSimilarity([1, 2], [2, 4]), 1);
    close(cosineSimilarity([1, 2], [-1, -2]), -1);
    assert.throws(() => cosineSimilarity([1], [1, 2]), TypeError);
    assert.throws(() => cosineSimilarity([0, 0], [1, 2]), TypeError);
    const n = l2Normalise(Float32Array.from([3, 4]));
    close(n[0]!, 0.6);
    close(n[1]!, 0.8);
  });
});
