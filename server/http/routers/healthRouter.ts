import Router, { type RouterMiddleware } from '@koa/router';
import type { HttpDeps } from '../HttpDeps.js';

/** `GET /api/health` (the legacy `/health` is its alias: compatAliases.ts): liveness, no authentication. */
export function healthRouter(deps: Pick<HttpDeps, 'startedAt' | 'version'>): Router {
  const router = new Router();
  const health: RouterMiddleware = (ctx) => {
    ctx.body = { status: 'ok', version: deps.version, uptime_s: Math.round((Date.now() - deps.startedAt) / 1000) };
  };
  router.get('/api/health', health);
  return router;
}
