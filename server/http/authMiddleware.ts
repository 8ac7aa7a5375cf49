import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { HttpError } from './HttpError.js';

/**
 * True when the request carries the configured deployment token, as `Authorization: Bearer` or
 * a `token` query parameter (compared in constant time). False when no token is configured.
 */
export function hasDeploymentToken(ctx: Context, token: string | undefined): boolean {
  if (token === undefined) return false;
  const header = ctx.get('authorization');
  const given = header.startsWith('Bearer ')
    ? header.slice(7)
    : typeof ctx.query.token === 'string'
      ? ctx.query.token
      : '';
  const expected = Buffer.from(token);
  const candidate = Buffer.from(given);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

/**
 * Requires the configured token on protected routes, as `Authorization: Bearer <token>` or
 * a `token` query parameter (for players and `<img>` tags that cannot set headers).
 * With no token configured (loopback-only server) it lets everything through.
 */
export function requireToken(token: string | undefined): Middleware {
  return async (ctx, next) => {
    if (token === undefined) return next();
    if (!hasDeploymentToken(ctx, token)) {
      ctx.set('WWW-Authenticate', 'Bearer');
      throw new HttpError(
        401,
        'missing or wrong token: send Authorization: Bearer <token> or ?token=',
        'authorization',
      );
    }
    return next();
  };
}
