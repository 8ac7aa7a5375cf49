import Router from '@koa/router';
import { z } from 'zod';
import type { Camera } from '../../../media/camera/Camera.js';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';

const probeBody = z.strictObject({ enabled: z.boolean() });

/**
 * Per-camera controls. Changes need the operator (the admin token or the operator wallet's
 * session); the viewer listing is viewer level (server/access/accessTable.ts).
 * - `POST /api/cameras/:camera/probe` `{"enabled": bool}` → `{"enabled": bool}`: the latency
 *   probe strip (docs/latency-probe.md), kept across camerad restarts.
 * - `GET /api/cameras/:camera/viewers` → the camera's WebRTC viewers with their counters.
 */
export function cameraRouter(deps: Pick<HttpDeps, 'cameras' | 'sfu'>): Router {
  const router = new Router({ prefix: '/api/cameras' });
  const cameraOf = (id: string | undefined): Camera => {
    const camera = deps.cameras.get(id ?? '');
    if (!camera) throw new HttpError(404, `unknown camera "${id}"`, 'camera');
    return camera;
  };

  router.post('/:camera/probe', async (ctx) => {
    const camera = cameraOf(ctx.params.camera);
    const { enabled } = parseJsonBody(ctx, probeBody);
    ctx.body = { enabled: await camera.setLatencyProbe(enabled) };
  });

  router.get('/:camera/viewers', (ctx) => {
    const camera = cameraOf(ctx.params.camera);
    ctx.body = { camera: camera.id, viewers: deps.sfu.viewers(camera.id) };
  });
  return router;
}
