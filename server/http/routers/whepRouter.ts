import Router from '@koa/router';
import type { Context } from 'koa';
import { iceServerLinks } from '../../../media/whep/iceServerLinks.js';
import { viewerLabel } from '../../access/viewerLabel.js';
import { parseTrickleFragment, validateWhepOffer } from '../../../media/whep/whepSdp.js';
import { callerOf } from '../../access/AccessControl.js';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';

const SDP = 'application/sdp';
const SDPFRAG = 'application/trickle-ice-sdpfrag';

/**
 * WHEP (RFC 9725 flow, draft-ietf-wish-whep): `POST /whep/:camera` with an SDP offer →
 * 201 + answer + Location; `PATCH` the Location with a trickle-ICE fragment (RFC 8840) → 204;
 * `DELETE` the Location → 200. The answer carries the STUN/TURN servers a viewer may use as
 * `Link` headers (RFC 9725 §4.6), TURN credentials minted for the caller.
 * Access: server/access/accessTable.ts (viewer).
 */
export function whepRouter(deps: Pick<HttpDeps, 'cameras' | 'sfu' | 'access' | 'basePath' | 'iceServers'>): Router {
  const router = new Router({ prefix: '/whep' });

  /** RFC 9725 §4.6: one `Link: <uri>; rel="ice-server"; …` per STUN/TURN URI, credentials minted for the caller. */
  const setIceServerLinks = (ctx: Context): void => {
    const links = iceServerLinks(deps.iceServers.forViewer(viewerLabel(callerOf(ctx))).iceServers);
    if (links.length > 0) ctx.set('Link', links);
  };

  // The OPTIONS row is open (CORS preflights carry no credential). The WHIP/WHEP drafts let an
  // endpoint answer ICE servers to OPTIONS for clients that cannot change them after their
  // offer, but not to a CORS preflight; here they also go only to a caller that may watch, so
  // an anonymous OPTIONS never gets a TURN credential. The POST answer carries them always.
  router.options('/:camera', (ctx) => {
    ctx.set('Accept-Post', SDP);
    const preflight = ctx.get('access-control-request-method') !== '';
    if (!preflight && deps.access.policy.satisfies(callerOf(ctx), 'viewer')) setIceServerLinks(ctx);
    ctx.status = 204;
  });

  router.post('/:camera', async (ctx) => {
    // 1. camera exists and runs
    const camera = deps.cameras.get(ctx.params.camera!);
    if (!camera) throw new HttpError(404, `unknown camera "${ctx.params.camera}"`, 'camera');
    if (!ctx.is(SDP)) throw new HttpError(415, `Content-Type must be ${SDP}`, 'content-type');
    // 2. offer is well-formed and asks for H.264
    const offer = typeof ctx.request.body === 'string' ? ctx.request.body : '';
    validateWhepOffer(offer);
    if (!camera.running) throw new HttpError(503, `camera "${camera.id}" is ${camera.state}`, 'camera');
    // 3. room for one more viewer (per camera, per address), then the viewer answers
    const { address } = callerOf(ctx);
    deps.access.viewerCaps.admit(
      camera.id,
      address,
      deps.sfu.viewers(camera.id).map((v) => v.id),
    );
    const { viewerId, answerSdp } = await deps.sfu.createViewer(camera.id, offer);
    deps.access.viewerCaps.added(camera.id, viewerId, address);
    ctx.status = 201;
    ctx.type = SDP;
    ctx.set('Location', `${deps.basePath}/whep/${encodeURIComponent(camera.id)}/${viewerId}`);
    ctx.set('ETag', `"${viewerId}"`);
    setIceServerLinks(ctx);
    ctx.body = answerSdp;
  });

  router.patch('/:camera/:viewer', async (ctx) => {
    if (!ctx.is(SDPFRAG)) throw new HttpError(415, `Content-Type must be ${SDPFRAG}`, 'content-type');
    const body = typeof ctx.request.body === 'string' ? ctx.request.body : '';
    const { candidates } = parseTrickleFragment(body);
    await deps.sfu.addRemoteCandidates(ctx.params.camera!, ctx.params.viewer!, candidates);
    ctx.status = 204;
  });

  router.delete('/:camera/:viewer', (ctx) => {
    if (!deps.sfu.closeViewer(ctx.params.camera!, ctx.params.viewer!)) {
      throw new HttpError(404, `unknown viewer "${ctx.params.viewer}" of camera "${ctx.params.camera}"`, 'viewer');
    }
    ctx.status = 200;
    ctx.body = { closed: ctx.params.viewer };
  });
  return router;
}
