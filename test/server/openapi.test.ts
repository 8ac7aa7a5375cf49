import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Router from '@koa/router';
import { openApiDocument } from '../../server/http/openapi.js';
import { buildRouters } from '../../server/http/createHttpApp.js';

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
    const routers = buildRouters({} as never);
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
    const undocumented = [...served].filter((r) => !documented.has(r));
    const stale = [...documented].filter((r) => !served.has(r));
    assert.deepEqual(undocumented, [], 'routes missing from the OpenAPI document');
    assert.deepEqual(stale, [], 'documented routes no router serves');
    // Each operation shows its access-table row.
    const unguarded = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(
          ([m, op]) => ['get', 'post', 'patch', 'put', 'delete'].includes(m) && !(op as object)['x-access' as never],
        )
        .map(([m]) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(unguarded, [], 'operations without x-access');
  });
});
