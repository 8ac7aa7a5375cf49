/**
 * The OpenAPI 3.1 description of `GET /api/webrtc/ice-servers` (`routers/webrtcRouter.ts`) and
 * the `Link` header of WHEP answers, merged into the document of `openapi.ts`.
 */

import { error, ok, viewer } from './openapiParts.js';

/** W3C webrtc §4.2.1 `RTCIceServer` (password credentials). */
const iceServer = {
  type: 'object',
  required: ['urls'],
  properties: {
    urls: {
      oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      description: 'stun:/stuns: (RFC 7064) or turn:/turns: (RFC 7065) URIs',
    },
    username: { type: 'string', description: 'TURN user name; minted ones are `<expiry unix s>:<viewer label>`' },
    credential: { type: 'string', description: 'TURN password; minted ones are base64(HMAC-SHA1(secret, username))' },
  },
};

/** The `Link` header of a WHEP answer (and of an OPTIONS by a viewer). */
export const iceServerLinkHeader = {
  description:
    'One per STUN/TURN URI (RFC 9725 §4.6): `<turn:host:3478?transport=udp>; rel="ice-server"; username="…"; ' +
    'credential="…"; credential-type="password"`, TURN credentials minted for the caller. Absent when no ' +
    'server is configured (webrtc.iceServers, webrtc.turn).',
  schema: { type: 'string' },
};

export const webrtcPaths = {
  '/api/webrtc/ice-servers': {
    get: {
      summary:
        'STUN/TURN servers for RTCPeerConnection before a WHEP offer: webrtc.iceServers and a TURN credential minted for this viewer (coturn use-auth-secret). Empty when none is configured.',
      security: viewer,
      responses: {
        200: {
          ...ok('Servers (Cache-Control: no-store)', {
            type: 'object',
            required: ['iceServers', 'expiresAt'],
            properties: {
              iceServers: { type: 'array', items: iceServer },
              expiresAt: {
                type: ['string', 'null'],
                format: 'date-time',
                description: 'When the minted credential stops opening new allocations; null when none was minted',
              },
            },
          }),
          headers: { 'Cache-Control': { schema: { const: 'no-store' } } },
        },
        401: error,
        403: error,
        429: error,
      },
    },
  },
};
