import type { Context, Middleware } from 'koa';
import type { SessionManager } from '../sessions/SessionManager.js';
import { SessionTokenError, type SessionTokens } from '../sessions/SessionTokens.js';
import type { Role, SessionClaims, SessionView } from '../sessions/SessionTypes.js';
import { hasDeploymentToken } from './authMiddleware.js';
import { HttpError } from './HttpError.js';

/** What `sessionAuth` leaves in `ctx.state.session` for an authenticated request. */
export interface RequestSession {
  claims: SessionClaims;
  session: SessionView;
}

/** A compact JWS (three base64url parts) rather than a deployment token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Reads a session token (`Authorization: Bearer <JWT>`) when there is one: a forged, expired or
 * malformed token, or one whose session has ended, is a 401 on any route; a valid one puts
 * {@link RequestSession} in `ctx.state.session`. A bearer value that is not a JWT is left to
 * the deployment-token check. The session's idle timer is reset only after the request
 * succeeded, so a rejected request writes nothing. The role in `ctx.state.session` (claims and
 * session) is `roleOf` now, from the configuration, never the token's `role` claim.
 */
export function sessionAuth(deps: {
  tokens: SessionTokens;
  sessions: SessionManager;
  roleOf: (wallet: string, cameraId: string) => Role;
}): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const bearer = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!JWT_SHAPE.test(bearer)) return next();
    let claims: SessionClaims;
    try {
      claims = await deps.tokens.verify(bearer);
    } catch (error) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(
        401,
        error instanceof SessionTokenError ? error.message : 'session token is not valid',
        'authorization',
      );
    }
    const session = deps.sessions.getOpen(claims.sid);
    if (!session || session.wallet !== claims.wallet || session.cameraId !== claims.cameraId) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new HttpError(401, 'session ended or timed out: sign in again', 'authorization');
    }
    const role = deps.roleOf(claims.wallet, claims.cameraId);
    ctx.state.session = { claims: { ...claims, role }, session: { ...session, role } } satisfies RequestSession;
    await next();
    if (ctx.status < 400) deps.sessions.touch(claims.sid);
  };
}

/** The request's session. @throws HttpError 401 when the request has none. */
export function sessionOf(ctx: Context): RequestSession {
  const found = ctx.state.session as RequestSession | undefined;
  if (!found) {
    ctx.set('WWW-Authenticate', 'Bearer');
    throw new HttpError(401, 'sign in first: send Authorization: Bearer <session token>', 'authorization');
  }
  return found;
}

/** Route guard: a signed-in wallet (any role). */
export function requireSession(): Middleware {
  return async (ctx, next) => {
    sessionOf(ctx);
    return next();
  };
}

/**
 * Route guard for operator actions (thresholds, galleries, outputs, camera controls): the
 * deployment token, or the session of the camera's operator wallet. With a `:camera` route
 * parameter the operator must be signed in at that camera.
 * @throws HttpError 401 without credentials, 403 for a user's session or another camera's operator.
 */
export function requireOperator(deploymentToken: string | undefined): Middleware {
  return async (ctx, next) => {
    if (hasDeploymentToken(ctx, deploymentToken)) return next();
    const { claims } = sessionOf(ctx);
    if (claims.role !== 'operator')
      throw new HttpError(403, 'operator only: this wallet is not the camera operator', 'authorization');
    const camera = (ctx.params as Record<string, string | undefined> | undefined)?.camera;
    if (camera !== undefined && camera !== claims.cameraId) {
      throw new HttpError(403, `operator session is for camera "${claims.cameraId}", not "${camera}"`, 'camera');
    }
    return next();
  };
}
