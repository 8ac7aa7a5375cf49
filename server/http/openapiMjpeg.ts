/**
 * The OpenAPI 3.1 description of the MJPEG routes (`routers/mjpegRouter.ts`), merged into the
 * document of `openapi.ts`.
 */

import { error, ok, viewer } from './openapiParts.js';

const cameraParameter = {
  name: 'camera',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'Camera id; default the first configured camera',
};

function streamPath(summary: string): Record<string, unknown> {
  return {
    get: {
      summary,
      security: viewer,
      parameters: [cameraParameter],
      responses: {
        200: {
          description:
            'An endless multipart/x-mixed-replace stream: per part `Content-Type: image/jpeg`, `Content-Length`, ' +
            '`X-Frame` (source frame number) and `X-Capture-Time-Ms` (capture time, ms since the Unix epoch). ' +
            'A client that does not keep up loses frames (its queue is bounded), never the stream.',
          headers: { 'Cache-Control': { schema: { const: 'no-store, no-cache, must-revalidate, max-age=0' } } },
          content: {
            'multipart/x-mixed-replace': {
              schema: { type: 'string', format: 'binary' },
              encoding: { part: { contentType: 'image/jpeg' } },
            },
          },
        },
        400: error,
        401: error,
        404: { ...error, description: 'Unknown camera' },
        503: {
          ...error,
          description: 'The camera is not running, or mjpeg.maxClients clients are connected (Retry-After)',
        },
      },
    },
  };
}

const clientStats = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    connectedAt: { type: 'integer', description: 'ms since epoch' },
    remote: { type: 'string', description: 'address:port' },
    queued: { type: 'integer', description: 'frames waiting for the socket now' },
    maxQueued: { type: 'integer', description: 'highest queued since connected' },
    queueBound: { type: 'integer', description: 'mjpeg.queueFrames' },
    sent: { type: 'integer', description: 'frames handed to the socket' },
    dropped: { type: 'integer', description: 'frames dropped from the full queue' },
    bytesSent: { type: 'integer' },
    socketBuffered: { type: 'integer', description: 'bytes Node holds for the socket, not yet in the kernel' },
    writing: { type: 'boolean', description: 'a frame waits for the kernel to take it' },
  },
};

/** Paths of the MJPEG router. */
export const mjpegPaths: Record<string, unknown> = {
  '/stream': streamPath(
    'MJPEG stream with the overlay boxes, as the original system’s /stream (the same picture as /mjpeg-stream-with-faces)',
  ),
  '/mjpeg-stream': streamPath('MJPEG stream of the clean picture'),
  '/mjpeg-stream-with-faces': streamPath('MJPEG stream with the overlay boxes (face names per the private policy)'),
  '/api/mjpeg': {
    get: {
      summary: 'MJPEG clients per camera and variant, with their queues and drops',
      security: viewer,
      responses: {
        200: ok('MJPEG statistics', {
          type: 'object',
          properties: {
            maxClients: { type: 'integer' },
            clients: { type: 'integer' },
            refused: { type: 'integer', description: 'clients turned away at maxClients since the server started' },
            hubs: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  camera: { type: 'string' },
                  variant: { enum: ['clean', 'overlays'] },
                  enabled: { type: 'boolean', description: 'camerad encodes this variant now' },
                  fps: { type: 'number' },
                  quality: { type: 'integer' },
                  stills: { type: 'integer', description: 'stills received from camerad' },
                  clients: { type: 'integer' },
                  dropped: {
                    type: 'integer',
                    description: 'frames dropped for slow clients since the server started, clients that left included',
                  },
                  clientStats: { type: 'array', items: clientStats },
                },
              },
            },
          },
        }),
        401: error,
      },
    },
  },
};
