import { z } from 'zod';
import { facesEntrySchema } from './faces/facesEntryConfig.js';
import { handsEntrySchema } from './hands/handsConfig.js';
import { objectsEntrySchema } from './objects/objectsConfig.js';
import { skyEntrySchema } from './sky/skyConfig.js';

/**
 * `cameras[].analyzers`: the analyzers each camera runs, keyed by `type` like Frigate's
 * detectors. Each type's entry schema lives with its analyzer (server/analysis/<type>/); this
 * file only joins them. camerad sends analysis frames at the highest `fps` of a camera's
 * analyzers; each analyzer takes the frames its own rate asks for.
 */
export const analyzerEntrySchema = z.discriminatedUnion('type', [
  facesEntrySchema,
  handsEntrySchema,
  objectsEntrySchema,
  skyEntrySchema,
]);

/** The analyzer types (`faces`, `hands`, `objects`, `sky`). */
export const ANALYZER_TYPES = analyzerEntrySchema.options.map((o) => o.shape.type.value);

export const analyzersSchema = z
  .array(analyzerEntrySchema)
  .max(8)
  .default([{ type: 'faces' }])
  .refine((list) => new Set(list.map((a) => a.type)).size === list.length, {
    message: 'each analyzer type at most once per camera',
  })
  .describe(
    'Analyzers on this camera’s frames, by type (faces, hands, objects, sky); default faces alone. ' +
      'See docs/analyzers.md.',
  );

/** One analyzer entry after defaults. */
export type AnalyzerEntry = z.infer<typeof analyzerEntrySchema>;
