import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cors from '@koa/cors';
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa from 'koa';
import serve from 'koa-static';
import type { HttpDeps } from './HttpDeps.js';
import { errorMiddleware } from './errorMiddleware.js';
import { cameraRouter } from './routers/cameraRouter.js';
import { compatRouter } from './routers/compatRouter.js';
import { captureRouter } from './routers/captureRouter.js';
import { mjpegRouter } from './routers/mjpegRouter.js';
import { streamRouter } from './routers/streamRouter.js';
import { healthRouter } from './routers/healthRouter.js';
import { faceRouter } from './routers/faceRouter.js';
import { analysisRouter } from './routers/analysisRouter.js';
import { metricsRouter } from './routers/metricsRouter.js';
import { openapiRouter } from './routers/openapiRouter.js';
import { sessionRouter } from './routers/sessionRouter.js';
import { statusRouter } from './routers/statusRouter.js';
import { whepRouter } from './routers/whepRouter.js';
import { webrtcRouter } from './routers/webrtcRouter.js';
import { janusRouter } from './routers/janusRouter.js';

/**
 * Builds the Koa app from its dependencies: error mapping, the access gate (Host, Origin,
 * security headers, the caller), CORS for the configured origins only (WHEP players on other
 * origins need `Location`), SDP bodies as text (64 KiB at most), the routers with their guards
 * from the access table, and the viewer app.
 * @throws Error when a route has no access-table row.
 */
export function createHttpApp(deps: HttpDeps): Koa {
  const app = new Koa();
  const logger = deps.logger.child({ module: 'http' });
  const { metrics } = deps;
  if (metrics) {
    // Outermost, so the status is the final one; the route label is the router's template.
    app.use(async (ctx, next) => {
      const started = process.hrtime.bigint();
      try {
        await next();
      } finally {
        const route = (ctx as unknown as { _matchedRoute?: unknown })._matchedRoute;
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.observeHttp(ctx.method, typeof route === 'string' ? route : undefined, ctx.status, seconds);
      }
    });
  }
  app.use(errorMiddleware(logger));
  app.use(deps.access.gate());
  app.use(
    cors({
      origin: (ctx) => deps.access.origins.corsGrant(ctx.get('origin') || undefined) ?? '',
      // Link: the ICE servers of a WHEP answer (RFC 9725 §4.6)
      exposeHeaders: ['Location', 'ETag', 'Link', 'Accept-Ranges', 'Content-Range', 'Content-Length'],
      allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Range', 'If-Range'],
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['text', 'json'],
      extendTypes: { text: ['application/sdp', 'application/trickle-ice-sdpfrag'] },
      textLimit: '64kb',
      jsonLimit: '64kb',
    }),
  );
  const routers = buildRouters({ ...deps, logger });
  deps.access.protect(routers);
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  if (existsSync(join(deps.webRoot, 'index.html'))) {
    app.use(serve(deps.webRoot));
  } else {
    logger.warn({ webRoot: deps.webRoot }, 'viewer app not built: run npm run build:web');
    app.use(async (ctx, next) => {
      if (ctx.path !== '/') return next();
      ctx.status = 503;
      ctx.body = 'viewer app not built: run npm run build:web';
    });
  }
  return app;
}

/**
 * Every router of the API, in the order they are mounted; the original system's paths last, as
 * aliases of these routes. Routers read their dependencies only
 * when a request arrives, so tests may list their routes with empty dependencies.
 */
export function buildRouters(deps: HttpDeps): Router[] {
  const routers = [
    healthRouter(deps),
    statusRouter(deps),
    cameraRouter(deps),
    openapiRouter(deps.version, deps.publicUrl),
    sessionRouter(deps.identity),
    faceRouter(deps.faces),
    analysisRouter(deps),
    metricsRouter(deps),
    whepRouter(deps),
    webrtcRouter(deps),
    captureRouter({ ...deps.capture, basePath: deps.basePath }),
    streamRouter(deps.stream),
    mjpegRouter({ mjpeg: deps.mjpeg }),
    janusRouter(deps),
  ];
  return [...routers, compatRouter(routers, deps.basePath ?? '')];
}
