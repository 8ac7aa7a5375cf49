/**
 * The OpenAPI 3.1 description of the analysis routes (`routers/analysisRouter.ts`), merged into
 * the document of `openapi.ts`.
 */

import { error, ok, operator, routeBody, session, viewer } from './openapiParts.js';
import { analysisBodies } from './routers/analysisBodies.js';

const analyzerStatus = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['faces', 'hands', 'objects', 'sky'] },
    provider: { type: 'string', description: 'What runs it: onnxruntime:cpu, tfjs:wasm-simd, typescript, …' },
    fps: { type: 'number', description: 'Configured analysis rate, frames/s' },
    achievedFps: { type: 'number', description: 'Frames analysed per second over the last 5 s' },
    frames: { type: 'integer', description: 'Frames analysed since start' },
    dropped: {
      type: 'integer',
      description: 'Frames skipped because the previous one was still being analysed or the inference queue was full',
    },
    msMedian: { type: 'number', description: 'Median time per analysed frame over the last 5 s, ms' },
    detections: { type: 'integer', description: 'Detections in the last analysed frame' },
    summary: {
      type: 'object',
      description:
        'Public summary of the last analysed frame: objects, counts per class; hands, hands per gesture; sky, { brightness 0..255, color #rrggbb, cloudCover 0..1 }',
    },
  },
};

const point = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };
const hand = {
  type: 'object',
  properties: {
    trackId: { type: ['integer', 'null'] },
    gesture: {
      type: 'string',
      description: 'open_palm, fist, thumbs_up, thumbs_down, victory, pointing, ok, or none',
    },
    score: { type: 'number', description: 'Gesture confidence 0..1' },
    handedness: { type: 'string', enum: ['left', 'right'] },
    box: {
      type: 'array',
      items: { type: 'integer' },
      minItems: 4,
      maxItems: 4,
      description: '[x, y, w, h], output px',
    },
    landmarks: { type: 'array', items: point, description: '21 points [x, y], output px, MediaPipe Hands order' },
    since: { type: 'integer', description: 'When the gesture started, ms since the Unix epoch' },
    wallet: {
      type: ['string', 'null'],
      description:
        'The recognised, checked-in person the hand belongs to (the nearest face above the wrist within 4.5 face heights), only for that wallet’s own session and the operator; null otherwise',
    },
  },
};

const gestures = (summary: string) => ({
  get: {
    summary,
    security: [...viewer, ...session],
    parameters: [
      {
        name: 'camera',
        in: 'query',
        required: false,
        schema: { type: 'string' },
        description: 'Camera id; default every camera',
      },
    ],
    responses: {
      200: ok('The hands in view per camera', {
        type: 'object',
        properties: {
          at: { type: 'integer', description: 'ms since the Unix epoch' },
          cameras: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                running: { type: 'boolean', description: 'The camera runs the hands analyzer' },
                hands: { type: 'array', items: hand },
              },
            },
          },
        },
      }),
      400: error,
      401: error,
      404: error,
      429: error,
    },
  },
});

export const analysisPaths = {
  '/api/analysis/status': {
    get: {
      summary: 'Each camera’s analyzers: provider, configured and achieved fps, drops, ms per frame',
      security: viewer,
      responses: {
        200: ok('Analysis status', {
          type: 'object',
          properties: {
            cameras: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  fps: {
                    type: 'number',
                    description: 'Rate camerad sends analysis frames at (the highest analyzer’s)',
                  },
                  analyzers: { type: 'array', items: analyzerStatus },
                },
              },
            },
            unavailable: {
              type: 'array',
              description: 'Configured analyzer types that do not run, with why',
              items: { type: 'object', properties: { type: { type: 'string' }, reason: { type: 'string' } } },
            },
            overlays: {
              type: 'object',
              additionalProperties: { type: 'boolean' },
              description: 'Per analyzer type: whether its overlays are drawn',
            },
          },
        }),
        401: error,
        429: error,
      },
    },
  },
  '/api/gestures/current': gestures('The hands in view with their gestures'),
  '/api/gesture/current': gestures('The hands in view with their gestures (the original system’s path)'),
  '/metrics': {
    get: {
      summary:
        'Prometheus metrics (text exposition 0.0.4): cameras, viewers by transport, analyzers, RTMP, HTTP by route template, process. Labels are bounded: camera ids, fixed sets, route templates or `unmatched`',
      security: viewer,
      responses: {
        200: {
          description: 'The metrics',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        401: error,
        404: error,
        429: error,
      },
    },
  },
  '/api/analysis/overlays': {
    post: {
      summary: 'Switch an analyzer type’s overlays on or off (operator; audited)',
      security: operator,
      requestBody: routeBody(analysisBodies, 'POST /api/analysis/overlays'),
      responses: {
        200: ok('The new setting', {
          type: 'object',
          properties: { type: { type: 'string' }, enabled: { type: 'boolean' } },
        }),
        400: error,
        401: error,
        403: error,
        415: error,
      },
    },
  },
};
