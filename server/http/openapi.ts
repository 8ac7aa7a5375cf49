import { ACCESS_TABLE, accessRow } from '../access/accessTable.js';
import { COMPAT_ALIASES, TEST_PAGES } from './compatAliases.js';
import { capturePaths, captureSchemas } from './openapiCapture.js';
import { facePathsAll } from './openapiFaces.js';
import { analysisPaths } from './openapiAnalysis.js';
import { mjpegPaths } from './openapiMjpeg.js';
import { janusPaths, janusStatusSchema } from './openapiJanus.js';
import { streamPaths } from './openapiStream.js';
import { wsVideoPaths, wsViewerSchema } from './openapiWsVideo.js';
import { iceServerLinkHeader, webrtcPaths } from './openapiWebrtc.js';
import { error, routeBody, viewer } from './openapiParts.js';
import { cameraBodies } from './routers/cameraBodies.js';
import { sessionComponents, sessionPaths } from './openapiSessions.js';

/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /api/openapi.json`.
 * Keep it in step with the routers in ./routers (test/server/openapi.test.ts checks that every
 * route is described).
 */
export function openApiDocument(version: string): Record<string, unknown> {
  return withAccess(withCompatPaths(document(version)));
}

const check = {
  ok: { type: 'boolean' },
  detail: { type: ['string', 'null'], description: 'Why it fails, for people' },
};

/** `GET /api/health`'s body (server/health/HealthService.ts `HealthReport`). */
const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'uptime_s', 'failing'],
  properties: {
    status: { enum: ['ok', 'failing'] },
    version: { type: 'string' },
    uptime_s: { type: 'integer' },
    failing: {
      type: 'array',
      items: { type: 'string' },
      description: 'Failing checks: camera:<id>, vision, database, disk',
    },
    cameras: {
      type: 'array',
      description: 'Viewers only',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          state: { type: 'string', description: 'camerad: starting, running, restarting, failed, stopped' },
          source_state: { type: ['string', 'null'], description: 'live, lost, starting' },
          image_age_s: { type: ['number', 'null'], description: 'dir:// cameras: age of the newest image, s' },
          ...check,
        },
      },
    },
    vision: { type: 'object', description: 'Viewers only', properties: { enabled: { type: 'boolean' }, ...check } },
    database: { type: 'object', description: 'Viewers only (a write that changes nothing)', properties: check },
    disk: {
      type: 'object',
      description: 'Viewers only',
      properties: {
        path: { type: 'string' },
        free_bytes: { type: ['integer', 'null'] },
        min_free_bytes: { type: 'integer' },
        ...check,
      },
    },
  },
};

/**
 * Adds the original system's paths (compatAliases.ts): each alias is its target's operation with
 * `x-alias-of` (`METHOD /path`); the test pages are documented as redirects.
 */
function withCompatPaths(doc: Record<string, unknown>): Record<string, unknown> {
  const paths = { ...(doc.paths as Record<string, Record<string, Record<string, unknown>>>) };
  for (const alias of COMPAT_ALIASES) {
    const method = alias.method.toLowerCase();
    const target = paths[alias.aliasOf]?.[method];
    if (!target)
      throw new Error(`OpenAPI: ${alias.method} ${alias.aliasOf} (target of ${alias.path}) is not documented`);
    paths[alias.path] = {
      ...paths[alias.path],
      [method]: {
        ...target,
        summary:
          `The original system’s path for ${alias.method} ${alias.aliasOf}. ${String(target.summary ?? '')}`.trim(),
        'x-alias-of': `${alias.method} ${alias.aliasOf}`,
      },
    };
  }
  for (const page of TEST_PAGES) {
    paths[page] = {
      get: {
        summary: 'The original system’s test page: redirects to the viewer page (query string kept).',
        responses: { 302: { description: 'To the viewer page' } },
      },
    };
  }
  return { ...doc, paths };
}

function document(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Edge camera server',
      version,
      description:
        'WebRTC-first camera media server. Viewers use WHEP. Each operation names who may call it in `x-access` (any one of the levels passes; docs/security.md explains them): open, viewer (a viewer token, or a loopback client when none is configured), session (any wallet), checkedIn (a wallet checked in at the camera), owner (the owner’s session; the operator passes), operator (the operator wallet’s session or the admin token). 429 answers carry Retry-After.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A viewer token (server.token, server.viewerTokens) or the admin token (server.adminToken)',
        },
        queryToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description: 'A viewer token (never the admin token)',
        },
        ...sessionComponents.securitySchemes,
      },
      responses: {
        Error: {
          description: 'Error with a message naming the problem',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['error'],
                properties: {
                  error: { type: 'string' },
                  field: { type: 'string', description: 'The offending input field' },
                },
              },
            },
          },
        },
      },
      schemas: {
        ...sessionComponents.schemas,
        ...captureSchemas,
        CameraStatus: {
          type: 'object',
          properties: {
            objects: {
              type: 'object',
              additionalProperties: { type: 'integer' },
              description:
                'Where the objects analyzer runs: objects in view per configured class (e.g. { person: 2, car: 1 })',
            },
            id: { type: 'string' },
            name: { type: 'string' },
            source: { type: 'string', description: 'Source URI' },
            state: { enum: ['starting', 'running', 'restarting', 'failed', 'stopped'] },
            encoder: { type: ['string', 'null'], description: 'x264enc, nvh264enc or nvv4l2h264enc' },
            width: { type: 'integer', description: 'px' },
            height: { type: 'integer', description: 'px' },
            fps: { type: ['number', 'null'], description: 'frames/s encoded, last second' },
            bitrate_kbps: { type: ['number', 'null'], description: 'kbit/s encoded, last second' },
            keyframe_requests: { type: 'integer' },
            keyframes: { type: 'integer' },
            source_state: { enum: ['starting', 'live', 'lost', null] },
            viewers: { type: 'integer', description: 'WebRTC viewers' },
            ws_viewers: { type: 'integer', description: 'WebSocket video viewers (docs/websocket-video.md)' },
            restarts: { type: 'integer' },
            ingest_kbps: { type: 'number' },
            pid: { type: ['integer', 'null'], description: 'camerad process id' },
            frames_out: { type: 'integer', description: 'frames encoded by the running camerad' },
            whep: { type: 'string', description: 'WHEP endpoint path' },
            last_error: { type: ['string', 'null'] },
            source_lost_reason: {
              type: ['string', 'null'],
              description:
                'Why the source was lost (camerad’s reason, e.g. no fresh image in a dir:// folder, then host-capture’s own: its command’s last error, or a status file no longer updated); null while live',
            },
            host_capture: {
              type: 'object',
              description:
                'dir:// cameras (host capture, tools/host-capture): the folder’s images. Ages come from each image’s metadata capture time when the folder has metadata/, else from file times.',
              properties: {
                layout: { enum: ['host-capture', 'flat'], description: 'host-capture: images read from <folder>/live' },
                metadata: { type: 'boolean', description: '<folder>/metadata exists' },
                image_age_ms: { type: ['integer', 'null'], description: 'Age of the image shown now, ms' },
                captured_at: { type: ['string', 'null'], format: 'date-time' },
                last_sequence: { type: ['integer', 'null'] },
                captures_last_minute: { type: 'integer', description: 'Images captured in the last 60 s' },
                gaps: { type: 'integer', description: 'Captures missing from the sequence numbers, total' },
                rejected: {
                  type: 'integer',
                  description: 'Images rejected (SHA-256 mismatch, bad metadata, undecodable)',
                },
                last_rejection: { type: ['string', 'null'] },
                service: {
                  type: ['object', 'null'],
                  description:
                    'host-capture’s own report, from <folder>/.host-capture-status.json (null when there is none): state (running, backoff, stopped), consecutive_failures, updated_at, updated_age_ms, interval_s, last_error {time, reason, exit_code, stderr (its last line)}',
                },
              },
            },
            latency_probe: {
              type: ['boolean', 'null'],
              description: 'Latency probe strip drawn (docs/latency-probe.md); null when camerad is not running',
            },
          },
        },
      },
    },
    paths: {
      ...sessionPaths,
      ...facePathsAll,
      ...analysisPaths,
      ...capturePaths,
      ...streamPaths,
      ...mjpegPaths,
      ...janusPaths,
      ...wsVideoPaths,
      ...webrtcPaths,
      '/api/health': {
        get: {
          summary:
            'Whether the box can serve (no authentication): every camera’s camerad and source (a dir:// folder’s newest image no older than health.maxImageAgeS), vision when configured, the database writable, free disk space under the data folder (health.minFreeBytes). 503 names the failing checks. Anyone gets status, version, uptime_s and failing; a viewer also gets each check’s detail.',
          responses: {
            200: { description: 'Every check passes', content: { 'application/json': { schema: healthSchema } } },
            503: {
              description: 'A check fails (named in failing)',
              content: { 'application/json': { schema: healthSchema } },
            },
          },
        },
      },
      '/api/status': {
        get: {
          summary: 'Cameras, sources, encoders, fps, bitrate, viewers, uptime',
          security: viewer,
          responses: {
            200: {
              description: 'Status',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      version: { type: 'string' },
                      uptime_s: { type: 'integer' },
                      sfu: { type: 'string' },
                      viewers: { type: 'integer' },
                      cameras: { type: 'array', items: { $ref: '#/components/schemas/CameraStatus' } },
                      player: {
                        type: 'object',
                        description: 'Settings of the viewer page’s player (config `player`)',
                        properties: {
                          webrtcTimeoutMs: {
                            type: 'integer',
                            description:
                              'ICE failure or no decoded frame within this, ms: the player tries the WebSocket path',
                          },
                        },
                      },
                      outputs: {
                        type: 'object',
                        description:
                          'Outputs with a state of their own: `rtsp` (always), `janus` only when outputs.janus is configured',
                        properties: {
                          janus: janusStatusSchema,
                          rtsp: {
                            type: 'object',
                            description:
                              'RTSP output for NVRs (docs/rtsp.md): state (off, starting, running, restarting, failed, closed), host, port, clients (with valid credentials), maxClients, pending_clients (no valid credentials yet), mounts [{camera, path, clients}], pid, refused_clients, dropped_clients, restarts, last_error',
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            401: error,
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1 JSON' } } },
      },
      '/whep/{camera}': {
        parameters: [{ name: 'camera', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary: 'WHEP: start viewing a camera',
          security: viewer,
          requestBody: {
            required: true,
            content: {
              'application/sdp': {
                schema: {
                  type: 'string',
                  description: 'SDP offer with a recvonly H.264 (packetization-mode=1) video m-line',
                },
              },
            },
          },
          responses: {
            201: {
              description:
                'SDP answer, candidates included (ICE-lite; full ICE with a relay candidate when webrtc.serverRelay is set)',
              headers: {
                Location: { schema: { type: 'string' }, description: '/whep/{camera}/{viewer}' },
                Link: iceServerLinkHeader,
              },
              content: { 'application/sdp': { schema: { type: 'string' } } },
            },
            400: error,
            401: error,
            404: error,
            415: error,
            422: { ...error, description: 'Offer cannot receive H.264 packetization-mode 1' },
            503: error,
          },
        },
        options: {
          summary:
            'WHEP capabilities (Accept-Post); to a viewer that is not a CORS preflight also the ICE servers as Link headers',
          responses: {
            204: {
              description: 'No content',
              headers: { 'Accept-Post': { schema: { const: 'application/sdp' } }, Link: iceServerLinkHeader },
            },
          },
        },
      },
      '/whep/{camera}/{viewer}': {
        parameters: [
          { name: 'camera', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'viewer', in: 'path', required: true, schema: { type: 'string' } },
        ],
        patch: {
          summary: 'Trickle ICE (RFC 8840 SDP fragment)',
          security: viewer,
          requestBody: {
            required: true,
            content: { 'application/trickle-ice-sdpfrag': { schema: { type: 'string' } } },
          },
          responses: { 204: { description: 'Candidates added' }, 400: error, 404: error, 415: error },
        },
        delete: {
          summary: 'End the viewer',
          security: viewer,
          responses: { 200: { description: 'Closed' }, 404: error },
        },
      },
      '/api/cameras/{camera}/probe': {
        parameters: [{ name: 'camera', in: 'path', required: true, schema: { type: 'string' } }],
        post: {
          summary:
            'Switch the glass-to-glass latency probe strip on or off (kept across camerad restarts). Operator only: the admin token or the operator wallet’s session token.',
          security: [{ bearer: [] }, { queryToken: [] }, { sessionToken: [] }],
          requestBody: routeBody(cameraBodies, 'POST /api/cameras/{camera}/probe'),
          responses: {
            200: {
              description: 'State camerad reports',
              content: {
                'application/json': { schema: { type: 'object', properties: { enabled: { type: 'boolean' } } } },
              },
            },
            400: error,
            401: error,
            403: { ...error, description: 'A session that is not the camera operator’s' },
            404: error,
            415: error,
            503: { ...error, description: 'camerad is not connected' },
          },
        },
      },
      '/api/cameras/{camera}/viewers': {
        parameters: [{ name: 'camera', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: 'WebRTC and WebSocket video viewers of a camera with their counters',
          security: viewer,
          responses: {
            200: {
              description: 'Viewers',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      camera: { type: 'string' },
                      viewers: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            id: { type: 'string' },
                            state: { enum: ['new', 'connecting', 'connected', 'closed'] },
                            createdAt: { type: 'integer', description: 'ms since epoch' },
                            packetsSent: { type: 'integer' },
                            replayedPackets: { type: 'integer', description: 'GOP-cache packets sent at start' },
                            retransmits: { type: 'integer', description: 'packets re-sent on NACK' },
                            skippedPackets: { type: 'integer', description: 'packets skipped by a lagging thread' },
                            plis: { type: 'integer' },
                            thread: { type: 'integer', description: '0 = main thread, n = worker n' },
                            candidateType: {
                              type: ['string', 'null'],
                              description:
                                'Local candidate type of the selected ICE pair (host; relay with webrtc.serverRelay), null before one',
                            },
                          },
                        },
                      },
                      ws_viewers: { type: 'array', items: wsViewerSchema },
                    },
                  },
                },
              },
            },
            401: error,
            404: error,
          },
        },
      },
    },
  };
}

/**
 * Adds each operation's row of the access table as `x-access` (the levels any one of which
 * passes, the rate bucket, whether it is audited), and the socket.io entry point as
 * `x-access-socket.io`, so the document and the router read one table.
 */
function withAccess(doc: Record<string, unknown>): Record<string, unknown> {
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const row = accessRow(method, path.replace(/\{([A-Za-z]+)\}/g, ':$1'));
      if (row) operation['x-access'] = { anyOf: row.anyOf, rate: row.rate, audited: row.audit === true };
    }
  }
  const socket = ACCESS_TABLE.find((row) => row.transport === 'socket.io');
  return {
    ...doc,
    ...(socket ? { 'x-access-socket.io': { path: socket.path, anyOf: socket.anyOf, rate: socket.rate } } : {}),
  };
}
