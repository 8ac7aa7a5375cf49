import type { RgbImage } from './visionTypes.js';

/**
 * Resampling of RGB24 images into the float buffers the models take: an axis-aligned region
 * resized (detector input, landmark crop) and an affine warp (face alignment). Pixels outside
 * the image repeat the nearest edge pixel (OpenCV's BORDER_REPLICATE). Outputs are interleaved
 * float RGB, 0..255, `width * height * 3` values ("HWC").
 *
 * Downscaling averages every source pixel under an output pixel (OpenCV's INTER_AREA): a
 * 1920-pixel frame going into a 320-pixel detector input would otherwise be sampled at one
 * pixel in six and alias. Upscaling is bilinear (INTER_LINEAR, pixel centres aligned).
 */

/** A region of the source image, continuous pixels (may extend beyond the image). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A 2-D affine map `[a, b, c, d, e, f]`: x' = a·x + b·y + c, y' = d·x + e·y + f.
 */
export type Affine = readonly [number, number, number, number, number, number];

/** For each output index along one axis: the source indices it reads and their weights. */
interface AxisTaps {
  /** First entry of output i in `index`/`weight`. */
  start: Int32Array;
  /** Number of entries of output i. */
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

function clampIndex(i: number, size: number): number {
  return i < 0 ? 0 : i >= size ? size - 1 : i;
}

/**
 * Taps mapping `outSize` outputs onto source span [origin, origin + length) of an axis of
 * `srcSize` pixels: coverage-weighted (area) when shrinking, two bilinear taps when enlarging.
 */
function axisTaps(origin: number, length: number, outSize: number, srcSize: number): AxisTaps {
  const scale = length / outSize;
  const index: number[] = [];
  const weight: number[] = [];
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    start[i] = index.length;
    if (scale > 1) {
      const a = origin + i * scale;
      const b = a + scale;
      for (let k = Math.floor(a); k < b; k++) {
        const overlap = Math.min(b, k + 1) - Math.max(a, k);
        if (overlap <= 0) continue;
        index.push(clampIndex(k, srcSize));
        weight.push(overlap / scale);
      }
    } else {
      const c = origin + (i + 0.5) * scale - 0.5;
      const k0 = Math.floor(c);
      const f = c - k0;
      index.push(clampIndex(k0, srcSize), clampIndex(k0 + 1, srcSize));
      weight.push(1 - f, f);
    }
    count[i] = index.length - start[i]!;
  }
  return { start, count, index: Int32Array.from(index), weight: Float32Array.from(weight) };
}

/**
 * Resizes `region` of `image` to `outWidth` × `outHeight` (separable: each needed source row is
 * resampled horizontally once, then rows are combined).
 * @returns interleaved float RGB (0..255), `outWidth * outHeight * 3` values.
 */
export function resampleRegion(image: RgbImage, region: Region, outWidth: number, outHeight: number): Float32Array {
  const { width, height, data } = image;
  const stride = image.stride ?? width * 3;
  const xt = axisTaps(region.x, region.width, outWidth, width);
  const yt = axisTaps(region.y, region.height, outHeight, height);
  let minRow = height;
  let maxRow = -1;
  for (const r of yt.index) {
    if (r < minRow) minRow = r;
    if (r > maxRow) maxRow = r;
  }
  const rowLength = outWidth * 3;
  const rows = new Float32Array((maxRow - minRow + 1) * rowLength);
  const needed = new Uint8Array(maxRow - minRow + 1);
  for (const r of yt.index) needed[r - minRow] = 1;
  // 1. Horizontal pass over the source rows that some output row reads.
  const { start: xStart, count: xCount, index: xIndex, weight: xWeight } = xt;
  for (let r = minRow; r <= maxRow; r++) {
    if (!needed[r - minRow]) continue;
    const src = r * stride;
    let o = (r - minRow) * rowLength;
    for (let ox = 0; ox < outWidth; ox++, o += 3) {
      let red = 0;
      let green = 0;
      let blue = 0;
      const first = xStart[ox]!;
      const end = first + xCount[ox]!;
      for (let t = first; t < end; t++) {
        const p = src + xIndex[t]! * 3;
        const w = xWeight[t]!;
        red += data[p]! * w;
        green += data[p + 1]! * w;
        blue += data[p + 2]! * w;
      }
      rows[o] = red;
      rows[o + 1] = green;
      rows[o + 2] = blue;
    }
  }
  // 2. Vertical pass.
  const { start: yStart, count: yCount, index: yIndex, weight: yWeight } = yt;
  const out = new Float32Array(outHeight * rowLength);
  for (let oy = 0; oy < outHeight; oy++) {
    const dst = oy * rowLength;
    const first = yStart[oy]!;
    const end = first + yCount[oy]!;
    for (let t = first; t < end; t++) {
      const row = (yIndex[t]! - minRow) * rowLength;
      const w = yWeight[t]!;
      for (let i = 0; i < rowLength; i++) out[dst + i]! += rows[row + i]! * w;
    }
  }
  return out;
}

/**
 * Warps `image` into an `outWidth` × `outHeight` picture: output point p (continuous pixels) shows
 * source point `toSource(p)`. Bilinear, with n × n samples per output pixel where the map shrinks
 * by n (at most `maxSamples`, default 4), so a large face is averaged rather than aliased.
 * @returns interleaved float RGB (0..255), `outWidth * outHeight * 3` values.
 */
export function warpAffine(
  image: RgbImage,
  toSource: Affine,
  outWidth: number,
  outHeight: number,
  maxSamples = 4,
): Float32Array {
  const { width, height, data } = image;
  const stride = image.stride ?? width * 3;
  const [a, b, c, d, e, f] = toSource;
  const shrink = Math.sqrt(Math.abs(a * e - b * d));
  const n = Math.min(maxSamples, Math.max(1, Math.ceil(shrink - 1e-6)));
  const out = new Float32Array(outWidth * outHeight * 3);
  const norm = 1 / (n * n);
  let o = 0;
  for (let v = 0; v < outHeight; v++) {
    for (let u = 0; u < outWidth; u++, o += 3) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let sy = 0; sy < n; sy++) {
        const py = v + (sy + 0.5) / n;
        for (let sx = 0; sx < n; sx++) {
          const px = u + (sx + 0.5) / n;
          // Source position in pixel-centre coordinates (pixel i's centre at i).
          const x = a * px + b * py + c - 0.5;
          const y = d * px + e * py + f - 0.5;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const fx = x - x0;
          const fy = y - y0;
          const xa = clampIndex(x0, width) * 3;
          const xb = clampIndex(x0 + 1, width) * 3;
          const ya = clampIndex(y0, height) * stride;
          const yb = clampIndex(y0 + 1, height) * stride;
          const p00 = ya + xa;
          const p01 = ya + xb;
          const p10 = yb + xa;
          const p11 = yb + xb;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          red += data[p00]! * w00 + data[p01]! * w01 + data[p10]! * w10 + data[p11]! * w11;
          green += data[p00 + 1]! * w00 + data[p01 + 1]! * w01 + data[p10 + 1]! * w10 + data[p11 + 1]! * w11;
          blue += data[p00 + 2]! * w00 + data[p01 + 2]! * w01 + data[p10 + 2]! * w10 + data[p11 + 2]! * w11;
        }
      }
      out[o] = red * norm;
      out[o + 1] = green * norm;
      out[o + 2] = blue * norm;
    }
  }
  return out;
}

/** Channel order of a model's colour input. */
export type ChannelOrder = 'rgb' | 'bgr';

/**
 * Interleaved float RGB → planar NCHW (N = 1) `(value - mean) / std`, channels in `order`.
 */
export function toPlanar(
  hwc: Float32Array,
  pixels: number,
  mean: number,
  std: number,
  order: ChannelOrder,
): Float32Array {
  const out = new Float32Array(pixels * 3);
  const inv = 1 / std;
  const [c0, c2] = order === 'rgb' ? [0, 2] : [2, 0];
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    out[i] = (hwc[p + c0]! - mean) * inv;
    out[pixels + i] = (hwc[p + 1]! - mean) * inv;
    out[2 * pixels + i] = (hwc[p + c2]! - mean) * inv;
  }
  return out;
}

/** Interleaved float RGB → one grey plane (ITU-R BT.601 luma, as OpenCV's RGB2GRAY) times `scale`. */
export function toGreyPlane(hwc: Float32Array, pixels: number, scale: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    out[i] = (0.299 * hwc[p]! + 0.587 * hwc[p + 1]! + 0.114 * hwc[p + 2]!) * scale;
  }
  return out;
}
