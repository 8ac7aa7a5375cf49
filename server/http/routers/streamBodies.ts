/** The JSON request bodies of the stream routes (`streamRouter.ts`), also read by `openapiStream.ts`. */

import { z } from 'zod';
import type { RouteBodies } from './routeBodies.js';

/** `POST /api/stream/livepeer/start` and `/stop` (an absent body reads as `{}`). */
export const cameraBody = z.strictObject({
  camera: z
    .string()
    .optional()
    .describe('Camera id; default: livepeer.camera, else the operator session’s camera, else the first camera'),
});

/** Body schema per route. */
export const streamBodies: RouteBodies = {
  'POST /api/stream/livepeer/start': cameraBody,
  'POST /api/stream/livepeer/stop': cameraBody,
};
