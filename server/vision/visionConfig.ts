import { z } from 'zod';
import { EMBEDDER_ARCHITECTURES } from './FaceEmbedder.js';

/**
 * The `vision` section of the server's configuration (server/config/configSchema.ts plugs
 * `visionSchema` in). Every field has a default; unknown keys are rejected. Model paths are
 * relative to the project root; the defaults are the files scripts/install-models.sh installs
 * (scripts/models.manifest.json).
 */

/**
 * Default cosine-similarity threshold for "same person" with the faceplugin embedder, fixed from
 * the data of test/server/vision/recognition.test.ts (faceplugin fr_feature.onnx, this pipeline):
 * the same person under four lightings scored 0.80–0.94, different people at most 0.35 (the Yale
 * subject against 24 other faces, and faces in the same photograph against each other). 0.55
 * leaves a margin of at least 0.2 on both sides. A custom embedder needs its own threshold.
 */
export const DEFAULT_RECOGNITION_THRESHOLD = 0.55;

/** onnxruntime execution providers the server knows, in the order of preference it suggests. */
export const EXECUTION_PROVIDERS = ['tensorrt', 'cuda', 'cpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** Severity of onnxruntime's own log lines on stderr (process-wide, fixed at the first session). */
export const ONNX_LOG_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
export type OnnxLogLevel = (typeof ONNX_LOG_LEVELS)[number];

const modelPath = z.string().min(1);

/** `vision.models.detector` of architecture `ultraface`. */
export const ultraFaceDetectorSchema = z.strictObject({
  architecture: z.literal('ultraface').describe('UltraFace RFB-320 (faceplugin fr_detect.onnx).'),
  path: modelPath.default('models/faceplugin/fr_detect.onnx').describe('ONNX file, relative to the project root.'),
  fit: z
    .enum(['stretch', 'letterbox'])
    .default('stretch')
    .describe('stretch: the frame is resized to the 320×240 input (as UltraFace does); letterbox: aspect kept.'),
  scoreThreshold: z
    .number()
    .min(0.05)
    .max(0.99)
    .default(0.7)
    .describe('Minimum face probability (UltraFace’s own demo uses 0.7).'),
  iouThreshold: z
    .number()
    .min(0.05)
    .max(0.95)
    .default(0.3)
    .describe('NMS overlap above which the weaker box is dropped (UltraFace’s demo: 0.3).'),
});

/** `vision.models.detector` of architecture `scrfd`. */
export const scrfdDetectorSchema = z.strictObject({
  architecture: z.literal('scrfd').describe('InsightFace SCRFD with keypoints (9 outputs), e.g. det_10g.onnx.'),
  path: modelPath.describe('ONNX file, relative to the project root.'),
  inputWidth: z.number().int().min(32).max(4096).multipleOf(32).default(640).describe('Input width if dynamic, px.'),
  inputHeight: z.number().int().min(32).max(4096).multipleOf(32).default(640).describe('Input height if dynamic, px.'),
  scoreThreshold: z
    .number()
    .min(0.05)
    .max(0.99)
    .default(0.5)
    .describe('Minimum face score (InsightFace `det_thresh` 0.5).'),
  iouThreshold: z
    .number()
    .min(0.05)
    .max(0.95)
    .default(0.4)
    .describe('NMS overlap above which the weaker box is dropped (InsightFace `nms_thresh` 0.4).'),
});

const detectorSchema = z
  .discriminatedUnion('architecture', [ultraFaceDetectorSchema, scrfdDetectorSchema])
  .prefault({ architecture: 'ultraface' })
  .describe('Face detector model, by architecture; each carries its own thresholds.');

const embedderSchema = z
  .strictObject({
    architecture: z
      .enum(EMBEDDER_ARCHITECTURES)
      .default('faceplugin')
      .describe(
        'faceplugin: fr_feature.onnx, (x−127)/128; arcface: InsightFace w600k/glintr100 style, (x−127.5)/127.5.',
      ),
    path: modelPath.default('models/faceplugin/fr_feature.onnx').describe('ONNX file, relative to the project root.'),
  })
  .prefault({})
  .describe('Face embedding (recognition) model.');

export const visionSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run face detection and recognition.'),
    providers: z
      .array(z.enum(EXECUTION_PROVIDERS))
      .min(1)
      .default(['cuda', 'cpu'])
      .describe('onnxruntime execution providers to try, in order (tensorrt, cuda, cpu); the first that loads runs.'),
    deviceId: z.number().int().min(0).max(15).default(0).describe('GPU used by tensorrt/cuda.'),
    intraOpThreads: z
      .union([z.literal('auto'), z.number().int().min(1).max(256)])
      .default('auto')
      .describe('Threads per model inference; auto = max(1, cores − 1), leaving a core to the encoder.'),
    onnxLogLevel: z
      .enum(ONNX_LOG_LEVELS)
      .default('fatal')
      .describe('onnxruntime’s own stderr log level; provider fallbacks are logged by the server either way.'),
    models: z
      .strictObject({
        detector: detectorSchema,
        landmarks: z
          .strictObject({
            architecture: z.literal('faceplugin68').default('faceplugin68').describe('68-point model, 64×64 grey.'),
            path: modelPath
              .default('models/faceplugin/fr_landmark.onnx')
              .describe('ONNX file, relative to the project root (used after detectors without keypoints).'),
          })
          .prefault({})
          .describe('68-point landmark model, giving the five alignment points after a detector without keypoints.'),
        embedder: embedderSchema,
      })
      .prefault({})
      .describe('The ONNX models of the face pipeline: detector, landmarks, embedder.'),
    detection: z
      .strictObject({
        scoreThreshold: z
          .number()
          .min(0.05)
          .max(0.99)
          .optional()
          .describe(
            'Minimum face score for any detector; unset: the detector entry’s own (models.detector.scoreThreshold).',
          ),
        iouThreshold: z
          .number()
          .min(0.05)
          .max(0.95)
          .optional()
          .describe('NMS overlap for any detector; unset: the detector entry’s own (models.detector.iouThreshold).'),
        minFaceSize: z
          .number()
          .int()
          .min(0)
          .max(4096)
          .default(20)
          .describe('Faces smaller than this (shorter side) are ignored, px of the analysed image.'),
        maxFaces: z.number().int().min(1).max(200).default(20).describe('At most this many faces per image.'),
      })
      .prefault({})
      .describe('What counts as a face, whatever the detector.'),
    recognition: z
      .strictObject({
        threshold: z
          .number()
          .min(0)
          .max(1)
          .default(DEFAULT_RECOGNITION_THRESHOLD)
          .describe('Cosine similarity at or above which a face is the enrolled person (faceplugin embedder).'),
      })
      .prefault({})
      .describe('When a face is an enrolled person.'),
    worker: z
      .strictObject({
        maxPending: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(2)
          .describe(
            'Analyses queued for the inference thread; beyond it a request fails at once (frames are dropped).',
          ),
      })
      .prefault({})
      .describe('The inference worker thread.'),
    upload: z
      .strictObject({
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(10 * 1024 * 1024)
          .describe('Largest uploaded image (JPEG or PNG), bytes.'),
        maxPixels: z
          .number()
          .int()
          .min(64 * 64)
          .max(100_000_000)
          .default(12_000_000)
          .describe(
            'Largest uploaded image, width × height pixels (12 Mpx, e.g. 4000 × 3000: a phone photo; decoded to 36 MB of RGB).',
          ),
        maxQueued: z
          .number()
          .int()
          .min(0)
          .max(64)
          .default(4)
          .describe(
            'Uploads waiting to be decoded and analysed (one runs at a time, apart from live analysis); beyond it HTTP 503 with Retry-After.',
          ),
      })
      .prefault({})
      .describe('Uploaded images (enrolment and identification by photo).'),
  })
  .prefault({});

/** The `vision` section after validation and defaults. */
export type VisionConfig = z.infer<typeof visionSchema>;
