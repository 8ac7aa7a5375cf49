import Router from '@koa/router';
import type { Camera } from '../../../media/camera/Camera.js';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { probeBody } from './cameraBodies.js';

/**
 * Per-camera controls. Changes need the operator (the admin token or the operator wallet's
 * session); the viewer listing is viewer level (server/access/accessTable.ts).
 * - `POST /api/cameras/:camera/probe` `{"enabled": bool}` → `{"enabled": bool}`: the latency
 *   probe strip (docs/latency-probe.md), kept across camerad restarts.
 * - `GET /api/cameras/:camera/viewers` → the camera's WebRTC viewers with their counters, and its
 *   WebSocket video viewers with theirs (`ws_viewers`).
 * - `GET /api/cameras/:camera/ws` without `Upgrade: websocket` → 426: the WebSocket video path
 *   (docs/websocket-video.md) is upgraded by media/ws/WsVideoServer.ts before Koa sees it.
 */
export function cameraRouter(deps: Pick<HttpDeps, 'cameras' | 'sfu' | 'wsVideo'>): Router {
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
    ctx.body = { camera: camera.id, viewers: deps.sfu.viewers(camera.id), ws_viewers: deps.wsVideo.viewers(camera.id) };
  });

  router.get('/:camera/ws', (ctx) => {
    cameraOf(ctx.params.camera);
    throw new HttpError(
      426,
      'this is a WebSocket endpoint: send Upgrade: websocket (docs/websocket-video.md)',
      'upgrade',
      {
        Upgrade: 'websocket',
      },
    );
  });
  return router;
}
