import './ortTelemetryOff.js';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import { resampleRegion, toGreyPlane } from './imageResample.js';
import type { Box, FivePoints, Point, RgbImage } from './visionTypes.js';

/** Landmarks of one face. */
export interface Landmarks68 {
  /** The 68 points (iBUG 300-W numbering), image pixels. */
  points: Point[];
  /** The five alignment points derived from them (see {@link fivePointsFrom68}). */
  landmarks5: FivePoints;
}

/**
 * The five ArcFace points from 68 iBUG points (0-based), as faceplugin's `convert68pts5pts`
 * (lib/fr_feature.js): each eye centre is the mean of its four eyelid points (37, 38, 40, 41 and
 * 43, 44, 46, 47: the contour without the two corners), the nose tip is point 30, each mouth
 * corner the mean of the outer and inner lip corners (48 and 60, 54 and 64).
 */
export function fivePointsFrom68(p: readonly Point[]): FivePoints {
  if (p.length !== 68) throw new TypeError('p must hold 68 points');
  const mean = (...indices: number[]): Point => {
    let x = 0;
    let y = 0;
    for (const i of indices) {
      x += p[i]![0];
      y += p[i]![1];
    }
    return [x / indices.length, y / indices.length];
  };
  return [mean(37, 38, 40, 41), mean(43, 44, 46, 47), mean(30), mean(48, 60), mean(54, 64)];
}

/**
 * faceplugin's 68-point landmark model (`model/fr_landmark.onnx`). Layout (read from the model):
 *
 * - input `input` float32 [1, 1, 64, 64]: grey, x / 256, of a square crop centred on the
 *   detector's box with side = the box's height (faceplugin's `scaleResult`), NCHW.
 * - output `output` float32 [1, 136]: x0, y0, x1, y1, … normalised to the crop (0..1).
 *
 * The crop may extend past the image edge (edge pixels are repeated); points are mapped back
 * through the same crop, so they stay in image pixels.
 */
export class FaceLandmarker68 {
  readonly #session: InferenceSession;
  readonly #inputName: string;
  readonly #outputName: string;
  readonly #size: number;

  constructor(session: InferenceSession) {
    const input = session.inputMetadata[0];
    const size = input?.isTensor ? input.shape[2] : undefined;
    if (!input?.isTensor || input.shape.length !== 4 || input.shape[1] !== 1 || typeof size !== 'number') {
      throw new TypeError('session: not a 68-point landmark model (expected one input [1, 1, S, S])');
    }
    this.#session = session;
    this.#inputName = input.name;
    this.#outputName = session.outputNames[0]!;
    this.#size = size;
  }

  /** Landmarks of the face in `box` (image pixels). */
  async landmarks(image: RgbImage, box: Box): Promise<Landmarks68> {
    const [x, y, w, h] = box;
    const side = h;
    const crop = { x: x + w / 2 - side / 2, y: y + h / 2 - side / 2, width: side, height: side };
    const s = this.#size;
    const grey = toGreyPlane(resampleRegion(image, crop, s, s), s * s, 1 / 256);
    const outputs = await this.#session.run({ [this.#inputName]: new Tensor('float32', grey, [1, 1, s, s]) });
    const raw = outputs[this.#outputName]!.data as Float32Array;
    if (raw.length !== 136) throw new TypeError(`landmark model output has ${raw.length} values, expected 136`);
    const points: Point[] = [];
    for (let i = 0; i < 68; i++) points.push([crop.x + raw[2 * i]! * side, crop.y + raw[2 * i + 1]! * side]);
    return { points, landmarks5: fivePointsFrom68(points) };
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}
