import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import type { SessionManager } from '../sessions/SessionManager.js';
import { SessionTokenError, type SessionTokens } from '../sessions/SessionTokens.js';
import type { Role, SessionClaims } from '../sessions/SessionTypes.js';
import type { RequestSession } from '../http/sessionAuth.js';
import { HttpError } from '../http/HttpError.js';
import type { Caller } from './accessTypes.js';

/** A compact JWS (three base64url parts): a session token rather than a static token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Host names that always mean this machine. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Headers a reverse proxy or tunnel agent adds: their presence means the client is not local. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'cf-connecting-ip', 'true-client-ip'];

/** What {@link CallerResolver} needs. */
export interface CallerResolverOptions {
  /** Viewer tokens by name (`server.token` is `default`). */
  viewerTokens: ReadonlyMap<string, string>;
  /** `server.adminToken`, or undefined. */
  adminToken: string | undefined;
  /** `server.metricsToken`, or undefined. */
  metricsToken?: string | undefined;
  /** `server.trustProxy`: addresses whose `X-Forwarded-For` / `X-Forwarded-Proto` are read. */
  trustProxy: readonly string[];
  /** The role of a wallet at a camera now (from `auth.operatorWallet`): computed on every request, never read from the JWT. */
  roleOf: (wallet: string, cameraId: string) => Role;
  tokens: SessionTokens;
  sessions: SessionManager;
}

/** The credential parts of a request, wherever it came from (HTTP request or socket.io handshake). */
export interface PresentedCredentials {
  /** `Authorization: Bearer` value, or the socket.io `auth.token`. */
  bearer: string;
  /** `?token=` (viewer tokens only). */
  queryToken: string;
}

/**
 * Resolves who calls, once per request: the client address (`X-Forwarded-For` only from
 * `server.trustProxy` peers, walking from the right as RFC 7239 §5.2 proxies append), the viewer
 * token, the admin token, and the wallet session with its role computed from the configuration.
 * Static tokens are compared in constant time. No credential is ever logged.
 */
export class CallerResolver {
  readonly #options: CallerResolverOptions;
  readonly #trust: (address: string, hop: number) => boolean;

  constructor(options: CallerResolverOptions) {
    this.#options = options;
    this.#trust = proxyaddr.compile([...options.trustProxy]);
  }

  /** The client address and scheme of a request. */
  addressOf(req: IncomingMessage): { address: string; secure: boolean; peerTrusted: boolean } {
    const peer = normalise(req.socket.remoteAddress ?? '');
    const peerTrusted = this.#options.trustProxy.length > 0 && this.#trust(peer, 0);
    const address = peerTrusted ? normalise(proxyaddr(req, this.#trust)) : peer;
    const proto = String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]!
      .trim()
      .toLowerCase();
    const tls = Boolean((req.socket as { encrypted?: boolean }).encrypted);
    return { address, secure: tls || (peerTrusted && proto === 'https'), peerTrusted };
  }

  /**
   * Resolves the caller of a request.
   * @throws HttpError 401 for a forged, expired or malformed session token, or one whose
   *   session has ended (a wrong static token is not an error here: it is no credential, and the
   *   guard answers 401 where one is needed).
   */
  async resolve(req: IncomingMessage, credentials: PresentedCredentials): Promise<Caller> {
    const { address, secure, peerTrusted } = this.addressOf(req);
    const bearer = credentials.bearer.trim();
    let session: RequestSession | null = null;
    let admin = false;
    let metrics = false;
    let viewer: string | null = null;
    if (JWT_SHAPE.test(bearer)) {
      session = await this.#session(bearer);
    } else if (bearer !== '') {
      admin = this.#options.adminToken !== undefined && same(bearer, this.#options.adminToken);
      metrics = !admin && this.#options.metricsToken !== undefined && same(bearer, this.#options.metricsToken);
      if (!admin && !metrics) viewer = this.#viewerName(bearer);
    }
    if (viewer === null && credentials.queryToken !== '') viewer = this.#viewerName(credentials.queryToken);
    return { address, secure, viewer, admin, metrics, session, local: isLocal(req, peerTrusted) };
  }

  async #session(jwt: string): Promise<RequestSession> {
    let claims: SessionClaims;
    try {
      claims = await this.#options.tokens.verify(jwt);
    } catch (error) {
      throw new HttpError(
        401,
        error instanceof SessionTokenError ? error.message : 'session token is not valid',
        'authorization',
        { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      );
    }
    const session = this.#options.sessions.getOpen(claims.sid);
    if (!session || session.wallet !== claims.wallet || session.cameraId !== claims.cameraId) {
      throw new HttpError(401, 'session ended or timed out: sign in again', 'authorization', {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    const role = this.#options.roleOf(claims.wallet, claims.cameraId);
    return { claims: { ...claims, role }, session: { ...session, role } };
  }

  #viewerName(token: string): string | null {
    let found: string | null = null;
    // Every token is compared (no early exit), so the time does not say which one matched.
    for (const [name, expected] of this.#options.viewerTokens) {
      if (same(token, expected) && found === null) found = name;
    }
    return found;
  }
}

/** Constant-time comparison of two secrets (lengths may differ). */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopbackAddress(address: string): boolean {
  const a = normalise(address);
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** The host part of a `Host` header (`[::1]:8080` → `[::1]`, `name:80` → `name`). */
export function hostOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** True when `host` (a Host header's host part) names this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/**
 * A local client: connected from loopback (not through a trusted proxy), named a loopback host,
 * and carries no forwarding header. A tunnel agent on the box connects from loopback too, but
 * with the public name in `Host` or a forwarding header, so it is not local.
 */
function isLocal(req: IncomingMessage, peerTrusted: boolean): boolean {
  if (peerTrusted || !isLoopbackAddress(req.socket.remoteAddress ?? '')) return false;
  if (!isLoopbackHost(hostOf(req.headers.host ?? ''))) return false;
  return !FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined);
}
