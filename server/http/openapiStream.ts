/**
 * The OpenAPI 3.1 description of the public broadcast routes (`routers/streamRouter.ts`),
 * merged into the document of `openapi.ts`. No response ever carries the stream key.
 */

import { error, ok, operator, routeBody, viewer } from './openapiParts.js';
import { streamBodies } from './routers/streamBodies.js';

const playback = {
  type: ['object', 'null'],
  description: 'Livepeer playback URLs; null without livepeer.playbackId',
  properties: {
    playback_id: { type: 'string' },
    hls: { type: 'string', description: 'https://livepeercdn.studio/hls/<playbackId>/index.m3u8' },
    player: { type: 'string', description: 'https://lvpr.tv/?v=<playbackId>' },
  },
};

const streamStatus = {
  type: 'object',
  properties: {
    camera: { type: 'string' },
    state: {
      enum: ['off', 'connecting', 'live', 'reconnecting'],
      description: 'reconnecting: the ingest dropped or refused; retried with capped exponential backoff',
    },
    ingest_host: { type: ['string', 'null'], description: 'host[:port] of the ingest (never the key)' },
    bytes_sent: { type: 'integer', description: 'FLV bytes handed to the ingest since start, all connections' },
    started_at: { type: ['integer', 'null'], description: 'ms since epoch; null when off' },
    uptime_ms: { type: ['integer', 'null'], description: 'since start; null when off' },
    live_ms: { type: ['integer', 'null'], description: 'the current connection’s live time; null unless live' },
    reconnects: { type: 'integer', description: 'connection attempts after the first, since start' },
    recoveries: { type: 'integer', description: 'times the stream went live again after being lost' },
    last_error: { type: ['string', 'null'], description: 'latest failure, stream key redacted' },
    next_retry_ms: { type: ['integer', 'null'], description: 'while reconnecting: ms until the next attempt' },
  },
};

const withPlayback = { ...streamStatus, properties: { ...streamStatus.properties, playback } };

/** The stream paths. */
export const streamPaths = {
  '/api/stream/livepeer/start': {
    post: {
      summary:
        'Publish a camera to Livepeer over RTMP (configured ingest URL and stream key); reconnects by itself with capped exponential backoff. Operator only.',
      security: operator,
      requestBody: routeBody(streamBodies, 'POST /api/stream/livepeer/start', false),
      responses: {
        200: ok('Started (state connecting)', withPlayback),
        400: error,
        401: error,
        403: error,
        404: error,
        409: { ...error, description: 'Already streaming' },
        415: error,
        422: { ...error, description: 'No stream key (or a bad ingest URL) configured: field names the setting' },
        503: { ...error, description: 'camerad is not connected' },
      },
    },
  },
  '/api/stream/livepeer/stop': {
    post: {
      summary: 'Stop publishing a camera. Operator only.',
      security: operator,
      requestBody: routeBody(streamBodies, 'POST /api/stream/livepeer/stop', false),
      responses: {
        200: ok('Stopped (final numbers)', withPlayback),
        400: error,
        401: error,
        403: error,
        404: error,
        409: { ...error, description: 'Not streaming' },
        415: error,
      },
    },
  },
  '/api/stream/status': {
    get: {
      summary:
        'Broadcast state per camera: state, bytes sent, uptime, reconnects, last error, ingest host, playback URLs',
      security: viewer,
      responses: {
        200: ok('Status', {
          type: 'object',
          properties: {
            configured: { type: 'boolean', description: 'A stream key is configured' },
            ingest_host: { type: ['string', 'null'] },
            playback,
            streams: { type: 'array', items: streamStatus, description: 'One per camera' },
          },
        }),
        401: error,
      },
    },
  },
};
