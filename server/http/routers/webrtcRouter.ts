import Router from '@koa/router';
import { callerOf } from '../../access/AccessControl.js';
import { viewerLabel } from '../../access/viewerLabel.js';
import type { HttpDeps } from '../HttpDeps.js';

/**
 * `GET /api/webrtc/ice-servers`: the STUN/TURN servers a player passes to its
 * `RTCPeerConnection` before it makes its WHEP offer: `{ iceServers, expiresAt }`, the static
 * `webrtc.iceServers` and a TURN credential minted for this viewer (`webrtc.turn`), or an empty
 * list when none is configured. `Cache-Control: no-store` (the answer holds a credential).
 * Viewer access, WHEP rate bucket (server/access/accessTable.ts).
 */
export function webrtcRouter(deps: Pick<HttpDeps, 'iceServers'>): Router {
  const router = new Router();
  router.get('/api/webrtc/ice-servers', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = deps.iceServers.forViewer(viewerLabel(callerOf(ctx)));
  });
  return router;
}
