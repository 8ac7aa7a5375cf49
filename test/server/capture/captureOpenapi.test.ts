import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capturePaths } from '../../../server/http/openapiCapture.js';
import { captureRouter } from '../../../server/http/routers/captureRouter.js';

describe('OpenAPI description of the capture routes', () => {
  it('describes every capture route, and nothing else', () => {
    // The router reads its dependencies only when a request arrives; listing routes needs none.
    const router = captureRouter({} as never);
    const served = new Set(
      router.stack.flatMap((layer) =>
        layer.methods
          .filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
          .map((m) => `${m} ${String(layer.path).replace(/:([A-Za-z]+)/g, '{$1}')}`),
      ),
    );
    const documented = new Set(
      Object.entries(capturePaths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k))
          .map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    assert.ok(served.has('GET /api/videos/{id}'), [...served].join());
    assert.deepEqual(
      [...served].filter((r) => !documented.has(r)),
      [],
      'undocumented routes',
    );
    assert.deepEqual(
      [...documented].filter((r) => !served.has(r)),
      [],
      'documented routes not served',
    );
  });
});
