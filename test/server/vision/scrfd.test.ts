import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { decodeScrfd, SCRFD_ANCHORS, SCRFD_STRIDES, ScrfdDetector } from '../../../server/vision/ScrfdDetector.js';
import { scrfdDetectorSchema } from '../../../server/vision/visionConfig.js';

/** The `scrfd` entry's defaults, keeping every face (no size filter, 50 at most). */
const SCRFD = { ...scrfdDetectorSchema.parse({ architecture: 'scrfd', path: 'x.onnx' }), minFaceSize: 0, maxFaces: 50 };

/**
 * No SCRFD model ships in a registry package this project can install, so SCRFD is tested with
 * synthetic output tensors laid out as InsightFace's scrfd.py reads them (9 outputs: scores,
 * boxes, keypoints for strides 8, 16, 32; two anchors per location; values in strides).
 */

const W = 64;
const H = 32;

/** Zeroed outputs for a W × H input, with `faces` planted at (stride, column, row, anchor). */
function syntheticOutputs(
  faces: { stride: number; col: number; row: number; anchor: number; score: number; box: number[]; kps: number[] }[],
): Float32Array[] {
  const scores: Float32Array[] = [];
  const boxes: Float32Array[] = [];
  const kps: Float32Array[] = [];
  for (const stride of SCRFD_STRIDES) {
    const n = (W / stride) * (H / stride) * SCRFD_ANCHORS;
    scores.push(new Float32Array(n));
    boxes.push(new Float32Array(n * 4));
    kps.push(new Float32Array(n * 10));
  }
  for (const f of faces) {
    const level = SCRFD_STRIDES.indexOf(f.stride as 8 | 16 | 32);
    const k = (f.row * (W / f.stride) + f.col) * SCRFD_ANCHORS + f.anchor;
    scores[level]![k] = f.score;
    boxes[level]!.set(f.box, k * 4);
    kps[level]!.set(f.kps, k * 10);
  }
  return [...scores, ...boxes, ...kps];
}

const KPS = [-0.5, -0.5, 0.5, -0.5, 0, 0, -0.4, 0.5, 0.4, 0.5];

describe('SCRFD decoding (synthetic outputs)', () => {
  it('places anchors row-major, two per location, and scales distances by the stride', () => {
    const outputs = syntheticOutputs([
      { stride: 8, col: 3, row: 2, anchor: 1, score: 0.9, box: [1, 1, 2, 2], kps: KPS },
      { stride: 16, col: 1, row: 1, anchor: 0, score: 0.3, box: [1, 1, 1, 1], kps: KPS },
      { stride: 32, col: 1, row: 0, anchor: 0, score: 0.8, box: [0.5, 0.25, 0.5, 0.75], kps: KPS },
    ]);
    const found = decodeScrfd(outputs, W, H, 0.5);
    assert.equal(found.length, 2, 'the 0.3 score is below the threshold');
    // Stride 8, column 3, row 2: centre (24, 16); box 16 px left/up, 16 px right/down.
    const [a, b] = found;
    assert.deepEqual([a!.x1, a!.y1, a!.x2, a!.y2, a!.score], [16, 8, 40, 32, Math.fround(0.9)]);
    // Points: centre + offset · stride (offsets as float32, as the model gives them).
    assert.deepEqual(
      a!.kps,
      KPS.map((v, i) => (i % 2 === 0 ? 24 : 16) + Math.fround(v) * 8),
    );
    assert.deepEqual(a!.kps.slice(0, 6), [20, 12, 28, 12, 24, 16]);
    // Stride 32, column 1, row 0: centre (32, 0).
    assert.deepEqual([b!.x1, b!.y1, b!.x2, b!.y2], [16, -8, 48, 24]);
  });

  it('rejects outputs that do not match the input size', () => {
    const outputs = syntheticOutputs([]);
    assert.throws(() => decodeScrfd(outputs, 128, 32, 0.5), /stride 8 expects 128 anchors/);
    assert.throws(() => decodeScrfd(outputs.slice(0, 6), W, H, 0.5), /9 outputs/);
  });
});

describe('ScrfdDetector (synthetic session)', () => {
  /** An InferenceSession stand-in: fixed input metadata, nine outputs, records the input. */
  function fakeSession(outputs: Float32Array[]): { session: InferenceSession; inputs: Tensor[] } {
    const inputs: Tensor[] = [];
    const names = ['s8', 's16', 's32', 'b8', 'b16', 'b32', 'k8', 'k16', 'k32'];
    const session = {
      inputMetadata: [{ name: 'input.1', isTensor: true, type: 'float32', shape: [1, 3, 'h', 'w'] }],
      outputNames: names,
      async run(feeds: Record<string, Tensor>) {
        inputs.push(feeds['input.1']!);
        return Object.fromEntries(names.map((n, i) => [n, { data: outputs[i]! }]));
      },
      async release() {},
    };
    return { session: session as unknown as InferenceSession, inputs };
  }

  it('letterboxes to the top-left, maps boxes and points back to source pixels, suppresses overlaps', async () => {
    const outputs = syntheticOutputs([
      { stride: 8, col: 3, row: 2, anchor: 0, score: 0.9, box: [1, 1, 2, 2], kps: KPS },
      { stride: 8, col: 3, row: 2, anchor: 1, score: 0.7, box: [1, 1, 2, 1.8], kps: KPS },
      { stride: 32, col: 1, row: 0, anchor: 0, score: 0.6, box: [0.5, 0.25, 0.5, 0.75], kps: KPS },
    ]);
    const { session, inputs } = fakeSession(outputs);
    const detector = new ScrfdDetector(session, { ...SCRFD, inputWidth: W, inputHeight: H });
    // 128 × 32 source: scale 0.5 → 64 × 16 at the top of the 64 × 32 input, black below.
    const image = { width: 128, height: 32, data: new Uint8Array(128 * 32 * 3).fill(255) };
    const faces = await detector.detect(image);
    const input = inputs[0]!;
    assert.deepEqual(input.dims, [1, 3, H, W]);
    const data = input.data as Float32Array;
    assert.ok(Math.abs(data[0]! - 127.5 / 128) < 1e-6, 'image pixels: (255 − 127.5) / 128');
    assert.ok(Math.abs(data[20 * W]! + 127.5 / 128) < 1e-6, 'padding: black, (0 − 127.5) / 128');
    assert.equal(faces.length, 2, 'the 0.7 box overlaps the 0.9 one');
    // Centre (24, 16) in the input = (48, 32) in the source; box (16, 8)–(40, 32) → (32, 16)–(80, 64), clipped to 32 high.
    assert.deepEqual(faces[0]!.box, [32, 16, 48, 16]);
    assert.deepEqual(faces[0]!.landmarks5![2], [48, 32]);
    assert.equal(faces[1]!.score, Math.fround(0.6));
  });

  it('refuses a model without keypoints', () => {
    const session = {
      inputMetadata: [{ name: 'x', isTensor: true, type: 'float32', shape: [1, 3, 640, 640] }],
      outputNames: ['a', 'b', 'c', 'd', 'e', 'f'],
    } as unknown as InferenceSession;
    assert.throws(() => new ScrfdDetector(session, SCRFD), /9 outputs/);
  });
});
