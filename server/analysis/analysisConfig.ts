import { z } from 'zod';
import { objectsInferenceSchema } from './objects/objectsConfig.js';
import { handsRuntimeSchema } from './hands/handsConfig.js';

/**
 * The `analysis` section: the server-wide parts of the analyzer types (their inference threads);
 * what each camera runs is `cameras[].analyzers` (analyzersConfig.ts). Each type's slice lives
 * with its analyzer.
 */
export const analysisSchema = z
  .strictObject({
    hands: handsRuntimeSchema.prefault({}).describe('The hands inference thread shared by every camera.'),
    objects: objectsInferenceSchema,
  })
  .prefault({});

/** The `analysis` section after defaults. */
export type AnalysisConfig = z.infer<typeof analysisSchema>;
