import Router from '@koa/router';
import type { MetricsService } from '../../metrics/MetricsService.js';
import { HttpError } from '../HttpError.js';

/** What the metrics route needs. */
export interface MetricsRouterDeps {
  /** undefined when `metrics.enabled` is false: the route answers 404. */
  metrics: Pick<MetricsService, 'scrape'> | undefined;
}

/**
 * `GET /metrics`: Prometheus text exposition (server/metrics/MetricsService.ts). Access: a viewer
 * token or `server.metricsToken` (server/access/accessTable.ts); `Cache-Control: no-store`.
 */
export function metricsRouter(deps: MetricsRouterDeps): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!deps.metrics) throw new HttpError(404, 'metrics are off (metrics.enabled)', 'metrics');
    const { body, contentType } = await deps.metrics.scrape();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
