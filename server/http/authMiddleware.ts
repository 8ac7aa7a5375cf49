import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { HttpError } from './HttpError.js';

/**
 * Requires the configured token on protected routes, as `Authorization: Bearer <token>` or
 * a `token` query parameter (for players and `<img>` tags that cannot set headers).
 * With no token configured (loopback-only server) it lets everything through.
 */
export function requireToken(token: string | undefined): Middleware {
  const expected = token === undefined ? undefined : Buffer.from(token);
  return async (ctx, next) => {
    if (!expected) return next();
    const header = ctx.get('authorization');
    const given = header.startsWith('Bearer ')
      ? header.slice(7)
      : typeof ctx.query.token === 'string'
        ? ctx.query.token
        : '';
    const candidate = Buffer.from(given);
    if (candidate.length !== expected.length || !timingSafeEqual(candidate, expected)) {
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
