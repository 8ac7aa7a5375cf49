import { z } from 'zod';
import { COCO_CLASSES, isCocoClass } from './cocoClasses.js';
import { OBJECT_MODEL_NAMES } from './objectModels.js';

/**
 * One `cameras[].analyzers` entry of type `objects` (server/analysis/analyzersConfig.ts joins the
 * types): a COCO detector counting people and vehicles.
 */
export const objectsEntrySchema = z.strictObject({
  type: z.literal('objects').describe('People, vehicles and other COCO classes.'),
  fps: z.number().min(0.5).max(30).default(5).describe('Frames analysed per second (at most; fewer when busy).'),
  overlay: z.boolean().default(true).describe('Draw the object boxes into the video.'),
  model: z
    .enum(OBJECT_MODEL_NAMES)
    .default('nanodet')
    .describe(
      'COCO detector of the registry (server/analysis/objects/objectModels.ts): `nanodet` (NanoDet-m, 416 px input; counts people best on the fixtures) or `centernet` (MobileNetV3 CenterNet, 512 px input).',
    ),
  classes: z
    .array(z.string())
    .min(1)
    .default(['person'])
    .superRefine((classes, ctx) => {
      classes.forEach((name, i) => {
        if (!isCocoClass(name)) {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `unknown COCO class '${name}' (one of: ${COCO_CLASSES.join(', ')})`,
          });
        }
      });
    })
    .describe(
      'COCO class names to detect and count, e.g. `person`, `car`, `bus`, `truck`, `bicycle`, `motorcycle` (server/analysis/objects/cocoClasses.ts).',
    ),
  minScore: z
    .number()
    .min(0.05)
    .max(1)
    .optional()
    .describe('Least detector score counted, 0..1; when absent, the default of the chosen model in the registry.'),
});

/** An `objects` analyzer entry after defaults. */
export type ObjectsEntry = z.infer<typeof objectsEntrySchema>;

/**
 * The server-wide part of the objects analyzer (one inference thread shared by every camera
 * with an `objects` entry); composed into the config where the analyzers' slices are joined.
 */
export const objectsInferenceSchema = z
  .strictObject({
    maxPending: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe(
        'Frames of all cameras waiting for the objects inference thread; one more is dropped at once (VisionBusyError, counted as a drop).',
      ),
  })
  .prefault({})
  .describe('The objects inference thread shared by every camera.');

/** {@link objectsInferenceSchema} after defaults. */
export type ObjectsInferenceConfig = z.infer<typeof objectsInferenceSchema>;
