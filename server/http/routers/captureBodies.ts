/** The JSON request bodies of the capture routes (`captureRouter.ts`), also read by `openapiCapture.ts`. */

import { z } from 'zod';
import type { RouteBodies } from './routeBodies.js';

const cameraId = z
  .string()
  .max(64)
  .optional()
  .describe('Camera; a session always acts at its own (another is a 403); the admin token defaults to the first');

/** `POST /api/capture`, `/api/record/start`, `/api/record/stop` (an absent body reads as `{}`). */
export const cameraBody = z.strictObject({ cameraId });
/** `POST /api/record` (seed API). */
export const toggleBody = z.strictObject({
  cameraId,
  action: z
    .enum(['toggle', 'start', 'stop'])
    .default('toggle')
    .describe('toggle: stop the camera’s recording when one runs, else start one; start/stop: just that'),
});

/** Body schema per route. */
export const captureBodies: RouteBodies = {
  'POST /api/capture': cameraBody,
  'POST /api/record/start': cameraBody,
  'POST /api/record/stop': cameraBody,
  'POST /api/record': toggleBody,
};
