import type { InferenceSession } from 'onnxruntime-node';
import { ScrfdDetector } from './ScrfdDetector.js';
import { UltraFaceDetector } from './UltraFaceDetector.js';
import type { VisionConfig } from './visionConfig.js';
import type { FaceDetector } from './visionTypes.js';

/** The `vision.models.detector` entry of one architecture, after defaults. */
export type FaceDetectorConfig<A extends VisionConfig['models']['detector']['architecture']> = Extract<
  VisionConfig['models']['detector'],
  { architecture: A }
>;

/** One face detector architecture: whether it needs the 68-point model for alignment, and how it is built. */
export interface FaceDetectorVariant<A extends VisionConfig['models']['detector']['architecture']> {
  /** Its faces lack the five alignment points, so the 68-point landmark model runs after it. */
  needsLandmarks: boolean;
  /**
   * The detector over its loaded model. `detection.scoreThreshold` / `iouThreshold`, when set,
   * override the architecture's own defaults (which its config entry carries).
   */
  create(session: InferenceSession, config: FaceDetectorConfig<A>, detection: VisionConfig['detection']): FaceDetector;
}

/**
 * The face detector architectures, keyed by `vision.models.detector.architecture`; each one's
 * defaults live in its config entry (visionConfig.ts). Adding one is a class, an entry in the
 * config's union and a line here.
 */
export const FACE_DETECTORS: { [A in VisionConfig['models']['detector']['architecture']]: FaceDetectorVariant<A> } = {
  ultraface: {
    needsLandmarks: true,
    create: (session, config, detection) =>
      new UltraFaceDetector(session, {
        scoreThreshold: detection.scoreThreshold ?? config.scoreThreshold,
        iouThreshold: detection.iouThreshold ?? config.iouThreshold,
        fit: config.fit,
        minFaceSize: detection.minFaceSize,
        maxFaces: detection.maxFaces,
      }),
  },
  scrfd: {
    needsLandmarks: false,
    create: (session, config, detection) =>
      new ScrfdDetector(session, {
        scoreThreshold: detection.scoreThreshold ?? config.scoreThreshold,
        iouThreshold: detection.iouThreshold ?? config.iouThreshold,
        inputWidth: config.inputWidth,
        inputHeight: config.inputHeight,
        minFaceSize: detection.minFaceSize,
        maxFaces: detection.maxFaces,
      }),
  },
};

/** The variant of a detector entry, typed by its architecture. */
export function faceDetectorVariant<A extends VisionConfig['models']['detector']['architecture']>(
  config: FaceDetectorConfig<A>,
): FaceDetectorVariant<A> {
  return FACE_DETECTORS[config.architecture as A];
}
