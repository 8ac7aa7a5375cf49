/**
 * The OpenAPI 3.1 description of the WebSocket video path (docs/websocket-video.md;
 * media/ws/WsVideoServer.ts upgrades it, routers/cameraRouter.ts answers a plain GET), merged
 * into the document of `openapi.ts`.
 */

import { error, viewer } from './openapiParts.js';

/** One WebSocket video viewer's counters (media/ws/WsVideoTypes.ts `WsViewerStats`). */
export const wsViewerSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    address: { type: 'string', description: 'Client address' },
    connectedAt: { type: 'integer', description: 'ms since epoch' },
    sent: { type: 'integer', description: 'access units handed to the socket' },
    sentBytes: { type: 'integer' },
    droppedAccessUnits: { type: 'integer', description: 'access units dropped by skips to the next keyframe' },
    droppedBytes: { type: 'integer' },
    skips: { type: 'integer', description: 'queue overflows (each skips to the next keyframe)' },
    maxQueueBytes: { type: 'integer', description: 'largest queue seen, bytes (never above queueLimitBytes)' },
    queueBytes: { type: 'integer', description: 'queue now, bytes (unwritten socket bytes + waiting messages)' },
    queueLimitBytes: { type: 'integer', description: 'websocket.queueBytes' },
  },
};

export const wsVideoPaths = {
  '/api/cameras/{camera}/ws': {
    parameters: [{ name: 'camera', in: 'path', required: true, schema: { type: 'string' } }],
    get: {
      summary: 'WebSocket video: H.264 access units of the camera (send Upgrade: websocket)',
      description:
        'RFC 6455 upgrade on the HTTP port (docs/websocket-video.md): a JSON `config` message (RFC 6381 codec, ' +
        'size, base64 avcC), then binary access units (20-byte header: version, flags keyframe/discontinuity, ' +
        'timestampUs and receivedAtMs as float64 BE; then length-prefixed NAL units), starting at the newest ' +
        'keyframe. Admission is checked before the upgrade, so a refusal is an ordinary HTTP answer. A viewer ' +
        'that cannot keep up skips to the next keyframe (`websocket.queueBytes`); one that stays stalled is ' +
        'closed with 1008. Close codes: 1000 (camera removed or server closing), 1008 (too slow), 1011.',
      security: viewer,
      parameters: [
        {
          name: 'token',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'Viewer token (browsers cannot send headers with a WebSocket)',
        },
      ],
      responses: {
        101: { description: 'Switching Protocols: the WebSocket is open' },
        401: { ...error, description: 'No or wrong viewer token (before the upgrade)' },
        403: { ...error, description: 'Origin or Host not allowed, or credentials that do not give viewer access' },
        404: { ...error, description: 'Unknown camera' },
        426: { ...error, description: 'A plain GET without Upgrade: websocket' },
        429: {
          ...error,
          description: 'Too many connections from this address (socket rate bucket) or its viewer cap; Retry-After',
        },
        503: {
          ...error,
          description: 'Camera not running, or the camera or server has its maximum of viewers; Retry-After',
        },
      },
    },
  },
};
