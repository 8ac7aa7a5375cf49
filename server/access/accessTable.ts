import { COMPAT_ALIASES, TEST_PAGES } from '../http/compatAliases.js';
import type { AccessLevel, EntryPoint, RateBucket } from './accessTypes.js';

/**
 * The access table: every entry point of the server and what it requires (docs/security.md).
 * The HTTP app injects each route's guard from this table and refuses to start when a route
 * has no row (deny by default); the OpenAPI document shows each row as `x-access`; the tests
 * enumerate it (test/security/accessTable.test.ts).
 */

const http = (
  method: string,
  path: string,
  anyOf: readonly AccessLevel[],
  rate: RateBucket = 'api',
  audit = false,
): EntryPoint => ({ transport: 'http', method, path, anyOf, rate, ...(audit ? { audit } : {}) });

/** Admin actions: operator only, audited. */
const admin = (method: string, path: string): EntryPoint => http(method, path, ['operator'], 'api', true);

/** The face routes, served under `/api/face` and the seed API's `/api/face/unified`. */
const faceRows = (prefix: string): EntryPoint[] => [
  http('GET', `${prefix}/status`, ['viewer']),
  http('POST', `${prefix}/enroll`, ['checkedIn'], 'face'),
  // Liveness challenges (shown only to their caller) and operator-approved enrolment requests.
  http('POST', `${prefix}/enroll/challenge`, ['checkedIn'], 'face'),
  http('GET', `${prefix}/enroll/challenge/:id`, ['owner']),
  http('POST', `${prefix}/enroll/requests`, ['checkedIn'], 'face'),
  http('GET', `${prefix}/enroll/requests`, ['operator']),
  admin('POST', `${prefix}/enroll/requests/:id/approve`),
  http('DELETE', `${prefix}/enroll/requests/:id`, ['owner']),
  // A wallet session (the operator's included): the handler acts as the session's wallet.
  http('POST', `${prefix}/recognize`, ['session'], 'face'),
  http('GET', `${prefix}/enrolled`, ['owner']),
  http('DELETE', `${prefix}/:wallet`, ['owner']),
  admin('POST', `${prefix}/threshold`),
  admin('POST', `${prefix}/clear`),
];

const ROWS: readonly EntryPoint[] = [
  // Open: liveness, the API description, sign-in (the wallet signature is the credential).
  http('GET', '/api/health', ['open']),
  // The original's test pages: redirects to the (open) viewer page.
  ...TEST_PAGES.map((page) => http('GET', page, ['open'])),
  http('GET', '/api/openapi.json', ['open']),
  http('GET', '/api/session/config', ['open']),
  http('POST', '/api/session/challenge', ['open'], 'signin'),
  http('POST', '/api/session/signin', ['open'], 'signin'),
  http('POST', '/api/session/refresh', ['open']),
  // Watching.
  http('GET', '/api/status', ['viewer']),
  http('GET', '/api/cameras/:camera/viewers', ['viewer']),
  http('OPTIONS', '/whep/:camera', ['open']),
  http('POST', '/whep/:camera', ['viewer'], 'whep'),
  http('PATCH', '/whep/:camera/:viewer', ['viewer']),
  http('DELETE', '/whep/:camera/:viewer', ['viewer']),
  // Minted TURN credentials: the WHEP bucket, one fetch per offer.
  http('GET', '/api/webrtc/ice-servers', ['viewer'], 'whep'),
  // Janus (docs/janus.md): a Janus token per viewer, WHEP's bucket; Janus's own janus.js is public.
  http('POST', '/api/cameras/:camera/janus', ['viewer'], 'whep'),
  http('GET', '/vendor/janus.js', ['open']),
  http('GET', '/stream', ['viewer']),
  http('GET', '/mjpeg-stream', ['viewer']),
  http('GET', '/mjpeg-stream-with-faces', ['viewer']),
  // RTSP for NVRs: rtspd (native/src/rtspd) checks Digest credentials of outputs.rtsp.users before
  // any path is looked up, and bounds callers itself, not by this rate bucket (the row keeps the
  // table's shape): connections without credentials outputs.rtsp.maxPendingPerAddress per address
  // and maxPendingClients in all, closed after authTimeoutS; authenticated ones maxClients in all.
  { transport: 'rtsp', method: 'DESCRIBE', path: '/:camera', anyOf: ['rtspUser'], rate: 'api' },
  http('GET', '/api/mjpeg', ['viewer']),
  http('GET', '/api/stream/status', ['viewer']),
  // A wallet's own session.
  http('GET', '/api/session', ['session']),
  http('GET', '/api/session/active', ['session']),
  http('POST', '/api/session/end', ['session']),
  http('POST', '/api/session/checkin/tx', ['session']),
  http('POST', '/api/session/checkout/tx', ['session']),
  http('POST', '/api/session/submit', ['session']),
  http('POST', '/api/biometrics/purge', ['owner']),
  // What the box holds for the caller's own wallet (counts and times, never the data).
  http('GET', '/api/biometric/status', ['session']),
  // Faces.
  ...faceRows('/api/face'),
  ...faceRows('/api/face/unified'),
  admin('POST', '/api/face/overlays'),
  admin('POST', '/api/face/upload-enroll'),
  admin('POST', '/api/face/upload-recognize'),
  // Analysis plugins: status and the hands in view (identity per caller in the handler).
  http('GET', '/api/analysis/status', ['viewer']),
  http('GET', '/api/gestures/current', ['viewer', 'session']),
  http('GET', '/api/gesture/current', ['viewer', 'session']),
  admin('POST', '/api/analysis/overlays'),
  // Prometheus metrics: a viewer token, or the metrics token that opens nothing else.
  http('GET', '/metrics', ['viewer', 'metrics']),
  // Photos and recordings: taking them needs a check-in; reading and deleting, the owner.
  http('POST', '/api/capture', ['checkedIn', 'operator'], 'capture'),
  http('POST', '/api/record/start', ['checkedIn', 'operator'], 'capture'),
  http('POST', '/api/record/stop', ['checkedIn', 'operator']),
  http('POST', '/api/record', ['checkedIn', 'operator'], 'capture'),
  http('GET', '/api/photos', ['owner']),
  http('GET', '/api/videos', ['owner']),
  // Signed URLs (`?exp=&sig=`) open these without a credential; the handler checks them.
  http('GET', '/api/photos/:id', ['open']),
  http('GET', '/api/videos/:id', ['open']),
  http('DELETE', '/api/photos/:id', ['owner']),
  http('DELETE', '/api/videos/:id', ['owner']),
  // Operator controls.
  admin('POST', '/api/cameras/:camera/probe'),
  admin('POST', '/api/stream/livepeer/start'),
  admin('POST', '/api/stream/livepeer/stop'),
  // Events: public events need a viewer; a session hears its own identity events.
  {
    transport: 'socket.io',
    method: 'CONNECT',
    path: '/socket.io/',
    anyOf: ['viewer', 'session'],
    rate: 'socket',
  },
  // WebSocket video (docs/websocket-video.md): admitted before the upgrade, like WHEP.
  {
    transport: 'websocket',
    method: 'GET',
    path: '/api/cameras/:camera/ws',
    anyOf: ['viewer'],
    rate: 'socket',
  },
];

/**
 * The original system's paths (server/http/compatAliases.ts): each alias takes its target's row
 * (levels, rate bucket, audit), so an alias can never be easier to call than its target.
 * @throws Error when a target has no row.
 */
function aliasRows(rows: readonly EntryPoint[]): EntryPoint[] {
  return COMPAT_ALIASES.map((alias) => {
    const target = rows.find((row) => row.method === alias.method && row.path === alias.aliasOf);
    if (!target) throw new Error(`compat alias ${alias.method} ${alias.path}: ${alias.aliasOf} has no access row`);
    return { ...target, path: alias.path };
  });
}

export const ACCESS_TABLE: readonly EntryPoint[] = [...ROWS, ...aliasRows(ROWS)];

/** `METHOD path` → row. */
export function accessKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

const BY_KEY = new Map(ACCESS_TABLE.map((row) => [accessKey(row.method, row.path), row]));

/** The row of an entry point, or undefined when it has none (which the app refuses). */
export function accessRow(method: string, path: string): EntryPoint | undefined {
  return BY_KEY.get(accessKey(method, path));
}
