import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Router from '@koa/router';
import { openApiDocument } from '../../server/http/openapi.js';
import { cameraRouter } from '../../server/http/routers/cameraRouter.js';
import { captureRouter } from '../../server/http/routers/captureRouter.js';
import { mjpegRouter } from '../../server/http/routers/mjpegRouter.js';
import { streamRouter } from '../../server/http/routers/streamRouter.js';
import { faceRouter } from '../../server/http/routers/faceRouter.js';
import { healthRouter } from '../../server/http/routers/healthRouter.js';
import { openapiRouter } from '../../server/http/routers/openapiRouter.js';
import { sessionRouter } from '../../server/http/routers/sessionRouter.js';
import { statusRouter } from '../../server/http/routers/statusRouter.js';
import { whepRouter } from '../../server/http/routers/whepRouter.js';
import { testLogger } from '../helpers/logger.js';

/** Every route the routers register, as `METHOD /openapi/{style}` (HEAD and OPTIONS left out). */
function routesOf(router: Router): string[] {
  return router.stack.flatMap((layer) =>
    layer.methods
      .filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
      .map((m) => `${m} ${layer.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
  );
}

describe('OpenAPI document', () => {
  it('describes every route of every router, and nothing else', () => {
    // Routers only read their dependencies when a request arrives; listing routes needs none.
    const deps = {} as never;
    const routers = [
      healthRouter(deps),
      statusRouter(deps),
      cameraRouter(deps),
      openapiRouter('0.0.0'),
      sessionRouter(deps),
      faceRouter(deps),
      whepRouter({ ...(deps as object), logger: testLogger } as never),
      captureRouter(deps),
      streamRouter(deps),
      mjpegRouter(deps),
    ];
    const served = new Set(routers.flatMap(routesOf));
    assert.ok(served.has('POST /api/session/signin') && served.has('POST /whep/{camera}'), [...served].join());
    const doc = openApiDocument('0.0.0') as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const undocumented = [...served].filter((r) => !documented.has(r) && r !== 'GET /health');
    const stale = [...documented].filter((r) => !served.has(r));
    assert.deepEqual(undocumented, [], 'routes missing from the OpenAPI document');
    assert.deepEqual(stale, [], 'documented routes no router serves');
  });
});
