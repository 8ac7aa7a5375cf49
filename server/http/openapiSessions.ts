/**
 * The OpenAPI 3.1 description of the session, check-in and biometric routes
 * (`routers/sessionRouter.ts`), merged into the document of `openapi.ts`.
 */

import { error, ok, routeBody, session } from './openapiParts.js';
import { sessionBodies } from './routers/sessionBodies.js';

/** The request body of `POST path`, as the router validates it. */
const body = (path: string): ReturnType<typeof routeBody> => routeBody(sessionBodies, `POST ${path}`);

const wallet = { type: 'string', description: 'base58 Solana address (32-byte ed25519 public key)' };
const tokens = {
  type: 'object',
  properties: {
    token: { type: 'string', description: 'Session JWT (HS256): send as Authorization: Bearer' },
    tokenExpiresAt: { type: 'string', format: 'date-time' },
    refreshToken: { type: 'string', description: 'Single-use refresh token' },
    refreshExpiresAt: { type: 'string', format: 'date-time' },
    session: { $ref: '#/components/schemas/Session' },
  },
};
const builtTx = {
  type: 'object',
  properties: {
    txId: { type: 'string' },
    transaction: { type: 'string', description: 'base64 wire transaction (legacy), unsigned: the wallet signs it' },
    blockhash: { type: 'string' },
    lastValidBlockHeight: { type: 'integer' },
    expiresAt: { type: 'string', format: 'date-time', description: 'Submit before this' },
    memo: { type: 'string', description: 'mmoment:checkin:<camera>:<nonce> or mmoment:checkout:…' },
  },
};

/** Security scheme and schemas added to `components`. */
export const sessionComponents = {
  securitySchemes: {
    sessionToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /api/session/signin' },
  },
  schemas: {
    Session: {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        cameraId: { type: 'string' },
        wallet,
        role: { enum: ['user', 'operator'] },
        source: { enum: ['signin', 'chain'], description: 'Opened by a sign-in or by a check-in seen on chain' },
        createdAt: { type: 'string', format: 'date-time' },
        lastSeenAt: { type: 'string', format: 'date-time' },
        expiresAt: { type: 'string', format: 'date-time', description: 'Absolute timeout' },
        idleExpiresAt: { type: 'string', format: 'date-time', description: 'Ends then unless used' },
        checkedIn: { type: 'boolean' },
        checkedInAt: { type: ['string', 'null'], format: 'date-time' },
        checkinSignature: { type: ['string', 'null'], description: 'base58 transaction signature' },
        consent: {
          type: ['object', 'null'],
          properties: { showName: { type: 'boolean' }, keepEnrolment: { type: 'boolean' } },
        },
        endedAt: { type: ['string', 'null'], format: 'date-time' },
        endReason: {
          enum: ['checkout', 'idle', 'absolute', 'ended', 'replaced', 'revoked', null],
          description: 'revoked: a spent refresh token of the session was presented again',
        },
      },
    },
  },
};

/** The session routes. */
export const sessionPaths = {
  '/api/session/config': {
    get: {
      summary: 'Chain settings for the page: whether check-in is available, cluster, camera address, operator',
      responses: {
        200: ok('Settings', {
          type: 'object',
          properties: {
            chainEnabled: { type: 'boolean' },
            requireCheckin: {
              type: 'boolean',
              description: 'Photos, recordings and enrolment from the camera need a check-in at the camera',
            },
            cluster: { type: 'string' },
            chainId: { type: 'string', description: 'solana:<cluster>' },
            cameraAddress: { type: ['string', 'null'] },
            operatorWallet: { type: ['string', 'null'] },
            cameras: { type: 'array', items: { type: 'string' } },
          },
        }),
      },
    },
  },
  '/api/session/challenge': {
    post: {
      summary: 'A Sign-In With Solana message for the wallet to sign (single use, expires)',
      description:
        'The domain and URI are the configured ones (auth.domain, server.publicUrl; loopback: 127.0.0.1:<port>), never the request’s Host. A wallet keeps at most auth.maxChallengesPerWallet (a new one replaces its oldest); 503 with Retry-After when the server holds auth.maxChallenges. 403 (field origin) when an Origin is sent whose host is not the domain and which is not in server.corsOrigins.',
      requestBody: body('/api/session/challenge'),
      responses: {
        200: ok('Challenge', {
          type: 'object',
          properties: {
            message: { type: 'string', description: 'SIWS text to sign (signMessage)' },
            nonce: { type: 'string' },
            domain: { type: 'string' },
            chainId: { type: 'string' },
            issuedAt: { type: 'string' },
            expirationTime: { type: 'string' },
            input: { type: 'object', description: 'The same fields for a wallet’s solana:signIn feature' },
          },
        }),
        400: error,
        403: error,
        404: error,
        415: error,
        503: error,
      },
    },
  },
  '/api/session/signin': {
    post: {
      summary: 'Verify the signed challenge (every field, nonce single use, expiry, ed25519) and open a session',
      requestBody: body('/api/session/signin'),
      description: 'Origin checked as for the challenge (403, field origin); nothing is stored when refused.',
      responses: { 200: ok('Signed in', tokens), 400: error, 403: error, 415: error },
    },
  },
  '/api/session/refresh': {
    post: {
      summary: 'Exchange a refresh token for new tokens (the old one is spent)',
      description:
        'A spent refresh token presented again ends its session (reuse detection, RFC 9700 §4.14.2): 401, and the session’s access and refresh tokens stop working.',
      requestBody: body('/api/session/refresh'),
      responses: { 200: ok('Refreshed', tokens), 400: error, 401: error },
    },
  },
  '/api/session': {
    get: {
      summary: 'The caller’s session',
      security: session,
      responses: {
        200: ok('Session', { type: 'object', properties: { session: { $ref: '#/components/schemas/Session' } } }),
        401: error,
      },
    },
  },
  '/api/session/active': {
    get: {
      summary: 'Open sessions at the caller’s camera (the operator sees all, a user only their own)',
      security: session,
      responses: {
        200: ok('Sessions', {
          type: 'object',
          properties: {
            cameraId: { type: 'string' },
            sessions: { type: 'array', items: { $ref: '#/components/schemas/Session' } },
          },
        }),
        401: error,
      },
    },
  },
  '/api/session/end': {
    post: {
      summary: 'End the caller’s session, or (operator) any session at the camera',
      security: session,
      requestBody: body('/api/session/end'),
      responses: {
        200: ok('Ended', { type: 'object', properties: { session: { $ref: '#/components/schemas/Session' } } }),
        400: error,
        401: error,
        403: error,
        404: error,
        409: error,
      },
    },
  },
  '/api/session/checkin/tx': {
    post: {
      summary:
        'Build the check-in transaction (Memo v3 + 0-lamport transfer to the camera) for the wallet to sign. A check-in is a public, permanent record on chain.',
      security: session,
      requestBody: body('/api/session/checkin/tx'),
      responses: { 200: ok('Built', builtTx), 400: error, 401: error, 409: error, 503: error },
    },
  },
  '/api/session/checkout/tx': {
    post: {
      summary: 'Build the check-out transaction for the wallet to sign',
      security: session,
      requestBody: body('/api/session/checkout/tx'),
      responses: { 200: ok('Built', builtTx), 401: error, 409: error, 503: error },
    },
  },
  '/api/session/submit': {
    post: {
      summary:
        'Relay a wallet-signed transaction this server built, wait for confirmation, then apply it (the chain watcher polls at once)',
      security: session,
      requestBody: body('/api/session/submit'),
      responses: {
        200: ok('Confirmed', {
          type: 'object',
          properties: {
            signature: { type: 'string' },
            slot: { type: 'integer' },
            kind: { enum: ['checkin', 'checkout', 'face-nft'] },
            txId: { type: 'string' },
            session: { oneOf: [{ $ref: '#/components/schemas/Session' }, { type: 'null' }] },
          },
        }),
        400: error,
        401: error,
        503: error,
      },
    },
  },
  '/api/biometrics/purge': {
    post: {
      summary:
        'Delete a wallet’s biometric data and its wrapped data key (crypto-shredding). A user purges their own; the operator any.',
      security: session,
      requestBody: body('/api/biometrics/purge'),
      responses: {
        200: ok('Purged', {
          type: 'object',
          properties: {
            wallet,
            blobs: { type: 'integer' },
            key: { type: 'boolean', description: 'A wrapped key was deleted' },
            packages: { type: 'integer' },
          },
        }),
        400: error,
        401: error,
        403: error,
      },
    },
  },
  '/api/biometric/status': {
    get: {
      summary:
        'What the box holds of the caller’s own biometric data: per kind the count, bytes, first and last creation and the soonest expiry; package files; whether a data key exists. Never the data.',
      security: session,
      responses: {
        200: ok('Held', {
          type: 'object',
          properties: {
            wallet,
            kinds: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  kind: { type: 'string', description: 'e.g. face-embedding' },
                  count: { type: 'integer' },
                  bytes: { type: 'integer' },
                  firstCreatedAt: { type: 'string', format: 'date-time' },
                  lastCreatedAt: { type: 'string', format: 'date-time' },
                  nextExpiresAt: {
                    type: ['string', 'null'],
                    format: 'date-time',
                    description: 'Soonest expiry of temporary data; null when all is kept until purged',
                  },
                },
              },
            },
            packages: { type: 'integer', description: 'Embedding package files held' },
            key: { type: 'boolean', description: 'A wrapped data key is stored' },
          },
        }),
        401: error,
      },
    },
  },
};
