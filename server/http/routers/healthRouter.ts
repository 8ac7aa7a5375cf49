import Router from '@koa/router';
import { callerOf } from '../../access/AccessControl.js';
import type { HttpDeps } from '../HttpDeps.js';

/**
 * `GET /api/health` (the legacy `/health` is its alias: compatAliases.ts), open: 200 when the box
 * can serve, 503 naming the failing checks (server/health/HealthService.ts) — Docker's
 * HEALTHCHECK and the host's image-sync manager read it. Anyone gets `status`, `version`,
 * `uptime_s` and the names of the failing checks (`camera:<id>`, `vision`, `database`, `disk`);
 * a viewer also gets each check's detail (camera states, image ages, free bytes, errors).
 */
export function healthRouter(deps: Pick<HttpDeps, 'health' | 'access'>): Router {
  const router = new Router();
  router.get('/api/health', async (ctx) => {
    const report = await deps.health.check();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.status === 'ok' ? 200 : 503;
    const viewer = deps.access.policy.satisfies(callerOf(ctx), 'viewer');
    ctx.body = viewer
      ? report
      : { status: report.status, version: report.version, uptime_s: report.uptime_s, failing: report.failing };
  });
  return router;
}
