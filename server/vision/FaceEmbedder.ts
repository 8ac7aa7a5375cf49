import './ortTelemetryOff.js';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import type { AlignedFace } from './FaceAligner.js';
import { type ChannelOrder, toPlanar } from './imageResample.js';

/** Embedding models whose input normalisation the code knows. */
export const EMBEDDER_ARCHITECTURES = ['faceplugin', 'arcface'] as const;
export type EmbedderArchitecture = (typeof EMBEDDER_ARCHITECTURES)[number];

/**
 * Input normalisation per architecture: value = (pixel − mean) / std, channels in `order`.
 *
 * - faceplugin (`fr_feature.onnx`): RGB, (x − 127) / 128 — `preprocessFeature` in
 *   lib/fr_feature.js of faceplugin-face-recognition-js 0.0.1 (its opencv.js image is RGBA, read
 *   as channels 0, 1, 2).
 * - arcface (InsightFace w600k_r50, glintr100 and other `arcface_onnx.py` models without a
 *   built-in normalisation): RGB (`swapRB=True` on OpenCV's BGR), (x − 127.5) / 127.5.
 */
export const EMBEDDER_NORMALISATION: Record<EmbedderArchitecture, { mean: number; std: number; order: ChannelOrder }> =
  {
    faceplugin: { mean: 127, std: 128, order: 'rgb' },
    arcface: { mean: 127.5, std: 127.5, order: 'rgb' },
  };

/**
 * A face embedding model: a 112 × 112 aligned face (FaceAligner) in, an L2-normalised vector
 * out. Layouts:
 *
 * - faceplugin `fr_feature.onnx`: input `input` float32 [1, 3, 112, 112], output `output`
 *   float32 [1, 512].
 * - arcface: input float32 [N, 3, 112, 112] (N may be dynamic; one face per run here), first
 *   output [N, 512].
 */
export class FaceEmbedder {
  readonly architecture: EmbedderArchitecture;
  /** Side of the aligned crop the model takes, px. */
  readonly inputSize: number;
  readonly #session: InferenceSession;
  readonly #inputName: string;
  readonly #outputName: string;

  constructor(session: InferenceSession, architecture: EmbedderArchitecture) {
    const input = session.inputMetadata[0];
    const size = input?.isTensor ? input.shape[3] : undefined;
    if (!input?.isTensor || input.shape.length !== 4 || input.shape[1] !== 3 || typeof size !== 'number') {
      throw new TypeError('session: not a face embedder (expected one input [N, 3, S, S])');
    }
    if (!EMBEDDER_ARCHITECTURES.includes(architecture)) throw new TypeError(`architecture: unknown ${architecture}`);
    this.architecture = architecture;
    this.inputSize = size;
    this.#session = session;
    this.#inputName = input.name;
    this.#outputName = session.outputNames[0]!;
  }

  /** The L2-normalised embedding of an aligned face. */
  async embed(face: AlignedFace): Promise<Float32Array> {
    const s = this.inputSize;
    if (face.size !== s) throw new TypeError(`face: aligned to ${face.size} px, the model takes ${s}`);
    const { mean, std, order } = EMBEDDER_NORMALISATION[this.architecture];
    const input = new Tensor('float32', toPlanar(face.rgb, s * s, mean, std, order), [1, 3, s, s]);
    const outputs = await this.#session.run({ [this.#inputName]: input });
    return l2Normalise(outputs[this.#outputName]!.data as Float32Array);
  }

  async close(): Promise<void> {
    await this.#session.release();
  }
}

/** A copy of `v` scaled to unit length (a zero vector stays zero). */
export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}
