/** The JSON request bodies of the analysis routes (`analysisRouter.ts`), also read by `openapiAnalysis.ts`. */

import { z } from 'zod';
import { ANALYZER_TYPES } from '../../analysis/analyzersConfig.js';
import type { RouteBodies } from './routeBodies.js';

/** `POST /api/analysis/overlays`. */
export const overlaysBody = z.strictObject({
  type: z.enum(ANALYZER_TYPES).describe('Analyzer type'),
  enabled: z.boolean().describe('Burn this type’s overlays into the video (true) or stop (false)'),
});

/** Body schema per route. */
export const analysisBodies: RouteBodies = { 'POST /api/analysis/overlays': overlaysBody };
