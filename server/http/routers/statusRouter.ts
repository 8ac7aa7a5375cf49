import Router from '@koa/router';
import type { HttpDeps } from '../HttpDeps.js';
import { requireToken } from '../authMiddleware.js';

/** `GET /api/status`: cameras, source, encoder, fps, bitrate, viewers, uptime. Token-protected. */
export function statusRouter(deps: Pick<HttpDeps, 'cameras' | 'sfu' | 'token' | 'startedAt' | 'version'>): Router {
  const router = new Router();
  router.get('/api/status', requireToken(deps.token), (ctx) => {
    const cameras = [...deps.cameras.values()].map((camera) => camera.status());
    ctx.body = {
      version: deps.version,
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      sfu: deps.sfu.name,
      viewers: cameras.reduce((sum, c) => sum + c.viewers, 0),
      cameras,
    };
  });
  return router;
}
