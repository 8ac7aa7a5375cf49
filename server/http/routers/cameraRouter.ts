import Router from '@koa/router';
import { z } from 'zod';
import type { Camera } from '../../../media/camera/Camera.js';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';
import { requireToken } from '../authMiddleware.js';
import { firstZodIssue } from '../../zodIssue.js';

const probeBody = z.strictObject({ enabled: z.boolean() });

/**
 * Per-camera controls. Token-protected.
 * - `POST /api/cameras/:camera/probe` `{"enabled": bool}` → `{"enabled": bool}`: the latency
 *   probe strip (docs/latency-probe.md), kept across camerad restarts.
 * - `GET /api/cameras/:camera/viewers` → the camera's WebRTC viewers with their counters.
 */
export function cameraRouter(deps: Pick<HttpDeps, 'cameras' | 'sfu' | 'token'>): Router {
  const router = new Router({ prefix: '/api/cameras' });
  router.use(requireToken(deps.token));
  const cameraOf = (id: string | undefined): Camera => {
    const camera = deps.cameras.get(id ?? '');
    if (!camera) throw new HttpError(404, `unknown camera "${id}"`, 'camera');
    return camera;
  };

  router.post('/:camera/probe', async (ctx) => {
    const camera = cameraOf(ctx.params.camera);
    if (!ctx.is('application/json')) throw new HttpError(415, 'Content-Type must be application/json', 'content-type');
    const parsed = probeBody.safeParse(ctx.request.body);
    if (!parsed.success) {
      const { path, message } = firstZodIssue(parsed.error, 'unknown field');
      const field = path || 'body';
      throw new HttpError(400, `${field}: ${message}`, field);
    }
    ctx.body = { enabled: await camera.setLatencyProbe(parsed.data.enabled) };
  });

  router.get('/:camera/viewers', (ctx) => {
    const camera = cameraOf(ctx.params.camera);
    ctx.body = { camera: camera.id, viewers: deps.sfu.viewers(camera.id) };
  });
  return router;
}
