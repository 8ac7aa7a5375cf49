import type { RequestSession } from '../http/sessionAuth.js';

/**
 * What an entry point requires of its caller (docs/security.md). The levels are not a ladder:
 * anyone can make a wallet, so a session is not a viewer, and a viewer link does not make its
 * holder the operator.
 * - `open`: anyone who reaches the server (health, the OpenAPI document, sign-in).
 * - `viewer`: a viewer token (`server.token` or one of `server.viewerTokens`), the admin token or
 *   the operator's session; with no viewer token configured, a loopback client whose `Host` is
 *   a loopback name (or anyone when `server.allowUnauthenticated` is set).
 * - `session`: any signed-in wallet.
 * - `checkedIn`: a wallet session that is checked in at the camera it acts on (when
 *   `auth.requireCheckin` is on; otherwise any session).
 * - `owner`: a session acting on its own data; the handler checks ownership (the operator
 *   and the admin token pass it).
 * - `operator`: the admin token (`server.adminToken`) or the operator wallet's session.
 * - `metrics`: the metrics token (`server.metricsToken`, header only): a scraper that may read
 *   `/metrics` and nothing else.
 * - `rtspUser`: a user of `outputs.rtsp.users` (RTSP Digest, checked by rtspd): an NVR that may
 *   play the cameras over RTSP and nothing else.
 */
export const ACCESS_LEVELS = [
  'open',
  'viewer',
  'session',
  'checkedIn',
  'owner',
  'operator',
  'metrics',
  'rtspUser',
] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** Rate-limit buckets (`limits.*` in server/access/limitsConfig.ts). */
export const RATE_BUCKETS = ['signin', 'capture', 'face', 'whep', 'socket', 'api'] as const;
export type RateBucket = (typeof RATE_BUCKETS)[number];

/** How an entry point is reached. */
export type Transport = 'http' | 'socket.io' | 'websocket' | 'rtsp';

/**
 * One row of the access table: an entry point and what it requires. A caller passes when it
 * satisfies at least one level of `anyOf`.
 */
export interface EntryPoint {
  transport: Transport;
  /**
   * HTTP method (`GET`, `POST`, …); `CONNECT` for socket.io; `GET` for a WebSocket upgrade;
   * the RTSP method (`DESCRIBE`) for RTSP, served and guarded by rtspd, not by the HTTP app.
   */
  method: string;
  /** Koa-router path with `:params` (as the routers register it). */
  path: string;
  anyOf: readonly AccessLevel[];
  /** Counted against this rate bucket (per address, and per wallet where it has one). */
  rate: RateBucket;
  /** Written to the audit log with the actor when it succeeds (admin actions). */
  audit?: boolean;
}

/**
 * Who is calling, resolved once per request from its credentials and address
 * (`ctx.state.caller`).
 */
export interface Caller {
  /** Client IP address: the socket's peer, or `X-Forwarded-For` when the peer is a trusted proxy. */
  address: string;
  /** The request came over TLS (directly, or `X-Forwarded-Proto: https` from a trusted proxy). */
  secure: boolean;
  /** Name of the viewer token presented (`server.token` is named `default`), or null. */
  viewer: string | null;
  /** The admin token was presented (`Authorization: Bearer`, never the query). */
  admin: boolean;
  /** The metrics token was presented (`Authorization: Bearer`, never the query). */
  metrics: boolean;
  /** The wallet session, its role computed from the configuration on this request. */
  session: RequestSession | null;
  /**
   * Loopback client that named a loopback host (`127.0.0.1`, `localhost`, `[::1]`): may watch
   * without a token when no viewer token is configured.
   */
  local: boolean;
}
