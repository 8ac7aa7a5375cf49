/**
 * The OpenAPI 3.1 description of the photo and recording routes (`routers/captureRouter.ts`),
 * merged into the document of `openapi.ts` (`...capturePaths` in `paths`, `...captureSchemas`
 * in `components.schemas`).
 */

import { error, json, ok, routeBody } from './openapiParts.js';
import { captureBodies } from './routers/captureBodies.js';

/** Security: a wallet's session, or the operator's admin token (`Authorization: Bearer`). */
const sessionOrOperator = [{ sessionToken: [] }, { bearer: [] }];

const access =
  ' Access: a wallet’s session (acting at its own camera) or the operator (the operator wallet’s session, or the admin token, which may name any camera; photos and recordings need a check-in at the camera, see x-access).';

/**
 * The per-wallet quotas (server/capture/CaptureQuota.ts). Statuses: a rate is 429 with
 * Retry-After (RFC 6585 §4); a storage quota is 507 as WebDAV quotas answer (RFC 4331 §6), not
 * 413, since no request body is too large; `field` names the quota setting.
 */
const quotas =
  ' Per-wallet quotas (outputs.quotas; the operator is not bound by them): photos per hour (429 with Retry-After), bytes kept (507, field naming the quota), one recording at a time (409). A refused request writes nothing. Retention trims a wallet over its byte quota from its own items only, and over the disk budget the owner holding the most bytes first.';
const rateLimited = {
  description:
    'The wallet took outputs.quotas.photosPerHour photos in the last hour; Retry-After: seconds until the oldest of them leaves the window',
  headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 }, description: 's' } },
  ...json({
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string' }, field: { type: 'string', const: 'outputs.quotas.photosPerHour' } },
  }),
};
const overQuota =
  'Insufficient storage: the wallet’s photos and videos take its byte quota (field: outputs.quotas.walletBudgetPercent or walletBudgetMib), or the data directory’s disk is full (field: disk). Nothing was saved';

/** The optional JSON body of `route` (routers/captureBodies.ts; an absent body reads as `{}`). */
const cameraBody = (route: string): ReturnType<typeof routeBody> => routeBody(captureBodies, route, false);
const mediaItem = json({ $ref: '#/components/schemas/MediaItem' });
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
  description: 'Media id (32 lowercase hex characters); anything else is a 400 before any lookup',
};

/** Schemas referenced by the capture paths. */
export const captureSchemas = {
  MediaItem: {
    type: 'object',
    description: 'A photo or a recording and its metadata. Times are ms since the Unix epoch.',
    properties: {
      id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
      kind: { enum: ['photo', 'video'] },
      cameraId: { type: 'string' },
      wallet: { type: ['string', 'null'], description: 'Owner; null when taken with the deployment token' },
      status: {
        enum: ['recording', 'complete', 'interrupted', 'failed'],
        description:
          'recording: being written (cannot be deleted); interrupted: camerad or the server stopped during the recording; failed: the recording failed (e.g. disk full, see error). Interrupted and failed files play up to their last complete fragment.',
      },
      createdAt: { type: 'integer', description: 'ms since epoch, when requested' },
      startedAt: {
        type: ['integer', 'null'],
        description: 'ms since epoch: photo, capture time of the frame; video, wall clock of the first written frame',
      },
      stoppedAt: {
        type: ['integer', 'null'],
        description: 'ms since epoch, end of the last written frame (interrupted: last write); null while recording',
      },
      durationMs: { type: ['integer', 'null'], description: 'Video: stoppedAt − startedAt, ms' },
      frames: { type: ['integer', 'null'], description: 'Frames in the file (null while recording or unknown)' },
      bytes: { type: ['integer', 'null'], description: 'File size (while recording: so far)' },
      width: { type: ['integer', 'null'], description: 'px' },
      height: { type: ['integer', 'null'], description: 'px' },
      error: {
        type: ['string', 'null'],
        description: 'Why a recording failed, was interrupted, or was stopped at its wallet’s storage quota',
      },
      faces: {
        type: ['array', 'null'],
        description:
          'Photo: faces in frame when it was taken (null: face analysis off). A wallet only when the photographer could see it (their own; any for the operator).',
        items: {
          type: 'object',
          properties: {
            box: {
              type: 'array',
              items: { type: 'integer' },
              minItems: 4,
              maxItems: 4,
              description: '[x, y, w, h], px',
            },
            wallet: { type: ['string', 'null'] },
          },
        },
      },
      contentType: { enum: ['image/jpeg', 'video/mp4'] },
      url: { type: 'string', description: 'Download path (needs the owner’s session or the operator)' },
      signedUrl: {
        type: 'string',
        description:
          'Download path with ?exp=&sig= that works without credentials for an hour (for <img>/<video>); ends when the server restarts',
      },
    },
  },
};

const page = (kind: string) =>
  ok(`${kind}s, newest first`, {
    type: 'object',
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/MediaItem' } },
      next: {
        type: ['string', 'null'],
        description: 'Cursor for ?before= (the next, older page); null on the last page',
      },
    },
  });

function mediaPaths(kind: 'photo' | 'video', base: string): Record<string, unknown> {
  const contentType = kind === 'photo' ? 'image/jpeg' : 'video/mp4';
  return {
    [base]: {
      get: {
        summary: `List ${kind}s, newest first. A user sees their own, the operator all.${access}`,
        security: sessionOrOperator,
        parameters: [
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
          {
            name: 'before',
            in: 'query',
            required: false,
            schema: { type: 'string' },
            description: 'The `next` cursor of the previous page',
          },
        ],
        responses: { 200: page(kind), 400: error, 401: error },
      },
    },
    [`${base}/{id}`]: {
      parameters: [idParameter],
      get: {
        summary: `Download a ${kind} (HEAD too). Range/If-Range supported: 206 with Content-Range, 416 for an unsatisfiable range. Served to the owner, the operator, or with a valid signed URL (?exp=&sig= from the metadata). A ${kind === 'video' ? 'recording still being written is served as far as written; fragmented MP4' : 'photo is a full-size JPEG without overlays'}.`,
        security: [...sessionOrOperator, {}],
        parameters: [
          { name: 'exp', in: 'query', required: false, schema: { type: 'string' }, description: 'Signed URL expiry' },
          { name: 'sig', in: 'query', required: false, schema: { type: 'string' }, description: 'Signed URL MAC' },
        ],
        responses: {
          200: {
            description: `The file`,
            content: { [contentType]: { schema: { type: 'string', format: 'binary' } } },
          },
          206: {
            description: 'The requested byte range',
            headers: { 'Content-Range': { schema: { type: 'string' } } },
            content: { [contentType]: { schema: { type: 'string', format: 'binary' } } },
          },
          304: { description: 'Not modified (If-None-Match / If-Modified-Since)' },
          400: error,
          401: error,
          403: { ...error, description: 'Another wallet’s item, or an expired/invalid signed URL' },
          404: error,
          416: { ...error, description: 'Range not satisfiable (Content-Range: bytes */size)' },
        },
      },
      delete: {
        summary: `Delete a ${kind} and its file: the owner or the operator. Not while it is being recorded (409).`,
        security: sessionOrOperator,
        responses: {
          200: ok('Deleted', {
            type: 'object',
            properties: { deleted: { $ref: '#/components/schemas/MediaItem' } },
          }),
          400: error,
          401: error,
          403: error,
          404: error,
          409: { ...error, description: 'Still being recorded: stop it first' },
        },
      },
    },
  };
}

const startResponses = {
  201: {
    description: 'Recording (status recording)',
    headers: { Location: { schema: { type: 'string' } } },
    ...mediaItem,
  },
  400: error,
  401: error,
  403: error,
  404: error,
  409: {
    ...error,
    description: 'The camera is already recording, or the caller’s wallet is (one recording per wallet)',
  },
  415: error,
  503: { ...error, description: 'camerad is not connected' },
  507: { ...error, description: overQuota },
};
const stopResponses = {
  200: {
    description:
      'The finished recording: complete (frames, bytes, startedAt/stoppedAt of the first/last written frame), or interrupted/failed if camerad lost it meanwhile',
    ...mediaItem,
  },
  400: error,
  401: error,
  403: { ...error, description: 'The recording belongs to another wallet' },
  404: error,
  409: { ...error, description: 'The camera is not recording' },
  415: error,
};

/** The photo and recording routes. */
export const capturePaths = {
  '/api/capture': {
    post: {
      summary: `Take a photo: the camera’s next full-resolution frame as JPEG (no overlays), stored with camera, capture time, owner wallet and the faces in frame when face analysis is on.${access}${quotas}`,
      security: sessionOrOperator,
      requestBody: cameraBody('POST /api/capture'),
      responses: {
        201: { description: 'The photo', headers: { Location: { schema: { type: 'string' } } }, ...mediaItem },
        400: error,
        401: error,
        403: error,
        404: error,
        415: error,
        429: rateLimited,
        503: { ...error, description: 'camerad not connected, busy, or the source is lost' },
        507: { ...error, description: overQuota },
      },
    },
  },
  '/api/record/start': {
    post: {
      summary: `Start recording the camera to MP4 (H.264 as encoded, fragmented: a crash loses at most one fragment). One recording per camera; it stops by itself after outputs.recording.maxDurationS. A full disk ends it with status failed and a playable file; reaching the wallet’s byte quota stops it (status complete, error saying so).${access}${quotas}`,
      security: sessionOrOperator,
      requestBody: cameraBody('POST /api/record/start'),
      responses: startResponses,
    },
  },
  '/api/record/stop': {
    post: {
      summary: `Stop the camera’s recording (its owner or the operator) and finish the file.${access}`,
      security: sessionOrOperator,
      requestBody: cameraBody('POST /api/record/stop'),
      responses: stopResponses,
    },
  },
  '/api/record': {
    post: {
      summary: `Seed-API alias: {"action": "toggle"} (default) stops the camera’s recording when one runs, else starts one; "start"/"stop" do just that. Answers as /api/record/start (201) or /api/record/stop (200).${access}`,
      security: sessionOrOperator,
      requestBody: cameraBody('POST /api/record'),
      responses: { ...startResponses, ...stopResponses },
    },
  },
  ...mediaPaths('photo', '/api/photos'),
  ...mediaPaths('video', '/api/videos'),
};
