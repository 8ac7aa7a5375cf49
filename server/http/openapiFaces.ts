/**
 * The OpenAPI 3.1 description of the face routes (`routers/faceRouter.ts`), merged into the
 * document of `openapi.ts`. Every path is served under `/api/face` and, as the seed API's
 * aliases, `/api/face/unified`.
 */

import { error, ok, operator, routeBody, session } from './openapiParts.js';
import { faceBodies } from './routers/faceBodies.js';

const box = { type: 'array', items: { type: 'integer' }, minItems: 4, maxItems: 4, description: '[x, y, w, h], px' };
/**
 * The JSON body of `POST route` (routers/faceBodies.ts). Required: the router answers 415 to a
 * request without one (`{}` will do where the schema has no required field).
 */
const jsonBody = (route: string): ReturnType<typeof routeBody> => routeBody(faceBodies, route);
/** The same, or instead an uploaded image. */
const jsonOrImageBody = (route: string): Record<string, unknown> => {
  const { required, content } = jsonBody(route);
  return {
    required,
    content: {
      ...content,
      'image/jpeg': { schema: { type: 'string', format: 'binary' } },
      'image/png': { schema: { type: 'string', format: 'binary' } },
    },
  };
};
const uuidPath = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];
/** 503: vision off, or busy (upload queue full, inference thread saturated): then with `Retry-After`. */
const busy = {
  description: 'Face recognition off, or busy: retry after the `Retry-After` header’s seconds',
  headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds (when busy)' } },
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'string' }, field: { type: 'string' } },
      },
    },
  },
};
const challenge = {
  type: 'object',
  properties: {
    challengeId: { type: 'string', format: 'uuid' },
    cameraId: { type: 'string' },
    steps: {
      type: 'array',
      items: { type: 'string', enum: ['left', 'right', 'center'] },
      description:
        'Poses to hold in order (about 1 s each): center = face the camera; left/right = turn the head to your own left/right (≈ 30°). Starts and ends with center; each turn is followed by center.',
    },
    done: { type: 'integer', description: 'Steps performed so far' },
    status: { type: 'string', enum: ['pending', 'passed', 'failed', 'expired', 'used'] },
    reason: { type: 'string', description: 'Why it failed' },
    expiresAt: {
      type: 'integer',
      description: 'ms since the epoch: until then perform it (pending) or enrol with it (passed)',
    },
  },
};
const enrolled = {
  type: 'object',
  properties: {
    wallet: { type: 'string' },
    cameraId: { type: 'string' },
    box,
    score: { type: 'number' },
    embeddings: { type: 'integer', description: 'Stored enrolments of this wallet' },
    inGallery: { type: 'boolean', description: 'Recognised from now on (checked in)' },
    temporary: { type: 'boolean', description: 'Not checked in: purged after biometrics.tempTtlS' },
  },
};

function facePaths(prefix: string): Record<string, unknown> {
  return {
    [`${prefix}/status`]: {
      get: {
        summary:
          'Models, execution provider, analysed fps and latency per camera, gallery sizes, threshold, and `analysis`: every camera’s analyzers as GET /api/analysis/status gives them',
        responses: { 200: ok('Status', { type: 'object' }) },
      },
    },
    [`${prefix}/enroll`]: {
      post: {
        summary:
          'Enrol the caller’s face. From the camera: {"challengeId"} of a passed liveness challenge enrols the face that performed it (a user without one gets 403; the operator enrols the single face in frame). An uploaded JPEG/PNG only when the operator allows it. {"nft": true} also builds the face NFT transaction.',
        security: session,
        requestBody: jsonOrImageBody(`POST ${prefix}/enroll`),
        responses: {
          200: ok('Enrolled', {
            type: 'object',
            properties: {
              ...enrolled.properties,
              nft: {
                type: 'object',
                description: 'txId, transaction (base64, for the wallet to sign last), mint, package',
              },
            },
          }),
          400: error,
          401: error,
          403: error,
          404: error,
          413: error,
          415: error,
          503: busy,
        },
      },
    },
    [`${prefix}/enroll/challenge`]: {
      post: {
        summary:
          'A liveness challenge for enrolment from the camera: random head turns, shown only in this response (never in the video). Perform them within faces.liveness.timeoutS, then POST enroll {"challengeId"}.',
        security: session,
        requestBody: jsonBody(`POST ${prefix}/enroll/challenge`),
        responses: { 200: ok('Challenge', challenge), 401: error, 403: error, 404: error, 503: busy },
      },
    },
    [`${prefix}/enroll/challenge/{id}`]: {
      parameters: uuidPath,
      get: {
        summary: 'The caller’s own liveness challenge: steps done, status (poll it while performing)',
        security: session,
        responses: { 200: ok('Challenge', challenge), 400: error, 401: error, 404: error, 503: error },
      },
    },
    [`${prefix}/enroll/requests`]: {
      post: {
        summary:
          'Ask the operator to enrol the caller’s face from the camera (when faces.enrolment allows operator approval); one per wallet and camera',
        security: session,
        requestBody: jsonBody(`POST ${prefix}/enroll/requests`),
        responses: {
          200: ok('Requested', {
            type: 'object',
            properties: {
              requestId: { type: 'string', format: 'uuid' },
              cameraId: { type: 'string' },
              expiresAt: { type: 'integer' },
            },
          }),
          401: error,
          403: error,
          503: busy,
        },
      },
      get: {
        summary: 'Enrolment requests waiting for approval. Operator only.',
        security: operator,
        responses: { 200: ok('Requests', { type: 'object' }), 401: error, 403: error },
      },
    },
    [`${prefix}/enroll/requests/{id}/approve`]: {
      parameters: uuidPath,
      post: {
        summary:
          'Enrol the single face now in the request’s camera frame for the requesting wallet (the operator has checked who stands there). Operator only.',
        security: operator,
        requestBody: jsonBody(`POST ${prefix}/enroll/requests/{id}/approve`),
        responses: { 200: ok('Enrolled', enrolled), 400: error, 401: error, 403: error, 404: error, 503: busy },
      },
    },
    [`${prefix}/enroll/requests/{id}`]: {
      parameters: uuidPath,
      delete: {
        summary: 'Withdraw an enrolment request (its wallet) or refuse it (the operator)',
        security: session,
        responses: { 200: ok('Deleted', { type: 'object' }), 400: error, 401: error, 403: error, 404: error },
      },
    },
    [`${prefix}/recognize`]: {
      post: {
        summary:
          'Faces in the camera’s current frame (or an uploaded image: the operator, or users when the operator allows it), with the identities the caller may see: anyone else’s face answers recognized false, wallet and similarity null, as a stranger’s does',
        security: session,
        requestBody: jsonOrImageBody(`POST ${prefix}/recognize`),
        responses: {
          200: ok('Faces', {
            type: 'object',
            properties: {
              cameraId: { type: 'string' },
              threshold: { type: 'number' },
              faces: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    box,
                    score: { type: 'number' },
                    wallet: { type: ['string', 'null'], description: 'Only the caller’s own, or any for the operator' },
                    recognized: { type: 'boolean' },
                    similarity: { type: ['number', 'null'], description: 'Only for a face the caller may see' },
                  },
                },
              },
            },
          }),
          400: error,
          401: error,
          403: error,
          413: error,
          415: error,
          503: busy,
        },
      },
    },
    [`${prefix}/enrolled`]: {
      get: {
        summary: 'Wallets in the camera’s gallery (the operator sees all, a user only themselves)',
        security: session,
        responses: { 200: ok('Enrolled', { type: 'object' }), 401: error, 503: error },
      },
    },
    [`${prefix}/{wallet}`]: {
      parameters: [{ name: 'wallet', in: 'path', required: true, schema: { type: 'string' } }],
      delete: {
        summary: 'Delete a wallet’s face data (crypto-shredding purge); a user their own, the operator any',
        security: session,
        responses: { 200: ok('Deleted', { type: 'object' }), 400: error, 401: error, 403: error, 503: error },
      },
    },
    [`${prefix}/threshold`]: {
      post: {
        summary: 'Set the recognition threshold (cosine similarity). Operator only.',
        security: operator,
        requestBody: jsonBody(`POST ${prefix}/threshold`),
        responses: { 200: ok('Set', { type: 'object' }), 400: error, 401: error, 403: error, 503: error },
      },
    },
    [`${prefix}/clear`]: {
      post: {
        summary: 'Clear a camera’s gallery and purge its wallets’ face data. Operator only.',
        security: operator,
        requestBody: jsonBody(`POST ${prefix}/clear`),
        responses: { 200: ok('Cleared', { type: 'object' }), 401: error, 403: error, 404: error, 503: error },
      },
    },
  };
}

/** An operator's on/off setting: `POST {enabled}` → `{enabled}` (503 when vision is off, if `needsVision`). */
function operatorSwitch(path: string, summary: string, needsVision: boolean): Record<string, unknown> {
  return {
    post: {
      summary,
      security: operator,
      requestBody: jsonBody(`POST ${path}`),
      responses: {
        200: ok('Set', { type: 'object', properties: { enabled: { type: 'boolean' } } }),
        400: error,
        401: error,
        403: error,
        ...(needsVision ? { 503: error } : {}),
      },
    },
  };
}

/** The face routes and their seed-API aliases. */
export const facePathsAll = {
  ...facePaths('/api/face'),
  ...facePaths('/api/face/unified'),
  '/api/face/overlays': operatorSwitch(
    '/api/face/overlays',
    'Burn face boxes (and consented names) into the video, or stop. Operator only.',
    true,
  ),
  '/api/face/upload-enroll': operatorSwitch(
    '/api/face/upload-enroll',
    'Allow or forbid enrolment from uploaded images (off by default). Operator only.',
    false,
  ),
  '/api/face/upload-recognize': operatorSwitch(
    '/api/face/upload-recognize',
    'Allow or forbid recognition in uploaded images by users (off by default; the operator always may). Operator only.',
    false,
  ),
};
