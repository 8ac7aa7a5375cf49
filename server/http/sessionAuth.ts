import type { Context } from 'koa';
import type { SessionClaims, SessionView } from '../sessions/SessionTypes.js';
import { HttpError } from './HttpError.js';

/**
 * A request's wallet session, as the access gate resolved it (server/access/CallerResolver.ts):
 * its role is computed from the configuration on each request, never read from the token.
 */
export interface RequestSession {
  claims: SessionClaims;
  session: SessionView;
}

/** The request's session. @throws HttpError 401 when the request has none. */
export function sessionOf(ctx: Context): RequestSession {
  const found = ctx.state.session as RequestSession | undefined;
  if (!found) {
    throw new HttpError(401, 'sign in first: send Authorization: Bearer <session token>', 'authorization', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  return found;
}
