/**
 * The OpenAPI 3.1 description of the Janus routes (`routers/janusRouter.ts`), merged into the
 * document of `openapi.ts`.
 */

import { error, ok, viewer } from './openapiParts.js';

/** `outputs.janus` of /api/status (media/janus/JanusOutput.ts `JanusStatus`). */
export const janusStatusSchema = {
  type: 'object',
  description: '`outputs.janus` of /api/status',
  properties: {
    state: { enum: ['connecting', 'up', 'retrying', 'closed'] },
    error: { type: ['string', 'null'] },
    next_retry_ms: { type: ['integer', 'null'], description: 'ms until the next attempt' },
    public: { type: 'boolean', description: 'outputs.janus.publicUrl is set: the viewer page plays from Janus' },
    recreations: { type: 'integer', description: 'session and mountpoints re-created after a Janus restart' },
    tokens: { type: 'integer', description: 'viewer tokens outstanding' },
    cameras: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          camera: { type: 'string' },
          up: { type: 'boolean' },
          packets: { type: 'integer' },
          bytes: { type: 'integer' },
          dropped: { type: 'integer' },
        },
      },
    },
  },
};

export const janusPaths = {
  '/api/cameras/{camera}/janus': {
    post: {
      summary: 'A Janus token for this viewer and the camera’s mountpoint (docs/janus.md)',
      security: viewer,
      parameters: [{ name: 'camera', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: ok('Watch with janus.js: Janus({ server: publicUrl, token }), Streaming `watch` { id: mountpoint, pin }', {
          type: 'object',
          properties: {
            publicUrl: { type: 'string', description: 'Janus HTTP API for browsers (outputs.janus.publicUrl)' },
            token: { type: 'string', description: 'Janus token (token_auth), removed after outputs.janus.tokenTtlS' },
            mountpoint: { type: 'integer', description: 'Streaming plugin mountpoint id' },
            pin: { type: 'string', description: 'The mountpoint’s pin (needed to watch)' },
            expires: { type: 'integer', description: 'When the token is removed, ms since epoch' },
          },
        }),
        401: error,
        404: {
          ...error,
          description: 'Unknown camera, or Janus not configured for viewers (outputs.janus.publicUrl unset)',
        },
        429: {
          ...error,
          description:
            'Rate limit, or this address holds outputs.janus.maxTokensPerAddress tokens (Retry-After: when its oldest expires)',
        },
        503: {
          ...error,
          description:
            'The Janus forward is not up (body `janus`: its state), or outputs.janus.maxTokens are outstanding (Retry-After)',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { error: { type: 'string' }, field: { type: 'string' }, janus: janusStatusSchema },
              },
            },
          },
        },
      },
    },
  },
  '/vendor/janus.js': {
    get: {
      summary: 'Janus’s janus.js (Debian libjs-janus-gateway, same release as the janus package)',
      responses: {
        200: { description: 'JavaScript', content: { 'application/javascript': { schema: { type: 'string' } } } },
        404: { ...error, description: 'libjs-janus-gateway is not installed' },
      },
    },
  },
};
