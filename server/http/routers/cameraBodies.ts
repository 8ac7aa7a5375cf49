/** The JSON request bodies of the per-camera routes (`cameraRouter.ts`), also read by `openapi.ts`. */

import { z } from 'zod';
import type { RouteBodies } from './routeBodies.js';

/** `POST /api/cameras/{camera}/probe`. */
export const probeBody = z.strictObject({
  enabled: z.boolean().describe('Draw the latency probe strip (true) or stop (false)'),
});

/** Body schema per route. */
export const cameraBodies: RouteBodies = { 'POST /api/cameras/{camera}/probe': probeBody };
