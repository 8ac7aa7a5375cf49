/** The JSON request bodies of the face routes (`faceRouter.ts`), also read by `openapiFaces.ts`. */

import { z } from 'zod';
import type { RouteBodies } from './routeBodies.js';

/** `POST …/enroll` (when not an uploaded image). */
export const enrollBody = z.strictObject({
  nft: z.boolean().default(false).describe('Also build the face NFT transaction for the wallet to sign'),
  challengeId: z.uuid().optional().describe('A passed liveness challenge: enrols the face that performed it'),
});
/** `POST …/enroll/challenge`, `…/enroll/requests`, `…/enroll/requests/{id}/approve`: nothing. */
export const emptyBody = z.strictObject({});
/** `POST …/recognize` (when not an uploaded image): nothing. */
export const recognizeBody = z.strictObject({});
/** `POST …/threshold`. */
export const thresholdBody = z.strictObject({
  threshold: z.number().min(0).max(1).describe('Cosine similarity a match needs, 0..1'),
});
/** `POST …/clear`. */
export const cameraBody = z.strictObject({
  cameraId: z.string().optional().describe('Camera; default: the operator session’s camera, else the first camera'),
});
/** `POST /api/face/overlays`, `/upload-enroll`, `/upload-recognize`. */
export const enabledBody = z.strictObject({ enabled: z.boolean().describe('On (true) or off (false)') });

/** The routes served under each face prefix (`/api/face`, and the seed API's `/api/face/unified`). */
function prefixed(prefix: string): Record<string, z.ZodType> {
  return {
    [`POST ${prefix}/enroll`]: enrollBody,
    [`POST ${prefix}/enroll/challenge`]: emptyBody,
    [`POST ${prefix}/enroll/requests`]: emptyBody,
    [`POST ${prefix}/enroll/requests/{id}/approve`]: emptyBody,
    [`POST ${prefix}/recognize`]: recognizeBody,
    [`POST ${prefix}/threshold`]: thresholdBody,
    [`POST ${prefix}/clear`]: cameraBody,
  };
}

/** Body schema per route. */
export const faceBodies: RouteBodies = {
  ...prefixed('/api/face'),
  ...prefixed('/api/face/unified'),
  'POST /api/face/overlays': enabledBody,
  'POST /api/face/upload-enroll': enabledBody,
  'POST /api/face/upload-recognize': enabledBody,
};
