import Router from '@koa/router';
import type { Context } from 'koa';
import { CameradError, InvalidStateError } from '../../../media/core/errors.js';
import { LivepeerConfigError } from '../../../media/rtmp/LivepeerConfigError.js';
import type { Rtmp } from '../../../media/rtmp/createRtmp.js';
import type { RtmpEgress } from '../../../media/rtmp/RtmpEgress.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { cameraBody } from './streamBodies.js';

/** What the stream routes need. */
export interface StreamRouterDeps {
  /** The egresses and the Livepeer settings (media/rtmp/createRtmp.ts). */
  rtmp: Rtmp;
  /**
   * Camera ids; the first is the default when neither the body, `livepeer.camera` nor an
   * operator session names one.
   */
  cameraIds: readonly string[];
}

/**
 * The public broadcast (`/api/stream/*`): publishing a camera to Livepeer over RTMP, which
 * reconnects by itself when the ingest drops. Starting and stopping are operator actions; the
 * status is viewer level (server/access/accessTable.ts). No response carries the stream key.
 * - `POST /api/stream/livepeer/start` `{camera?}` → the camera's stream status (state
 *   `connecting`); 409 when it already runs, 422 naming `livepeer.streamKey` when no key is set.
 * - `POST /api/stream/livepeer/stop` `{camera?}` → the final status; 409 when it does not run.
 * - `GET /api/stream/status` → `{configured, ingest_host, playback, streams: [...]}`: every
 *   camera's state, bytes sent, uptime, reconnects, last error.
 * Without `camera` in the body: `livepeer.camera`, else the operator session's camera, else the
 * first camera.
 */
export function streamRouter(deps: StreamRouterDeps): Router {
  const router = new Router({ prefix: '/api/stream' });
  const egressOf = (ctx: Context): RtmpEgress => {
    const hasBody = ctx.get('content-type') !== '' || Number(ctx.get('content-length') || 0) > 0;
    const body = hasBody ? parseJsonBody(ctx, cameraBody) : {};
    const claims = (ctx.state.session as { claims?: { cameraId: string; role: string } } | undefined)?.claims;
    const id = body.camera ?? deps.rtmp.camera ?? claims?.cameraId ?? deps.cameraIds[0];
    const egress = deps.rtmp.egresses.get(id ?? '');
    if (id === undefined || !egress) throw new HttpError(404, `unknown camera "${id}"`, 'camera');
    if (claims && claims.cameraId !== id) {
      throw new HttpError(403, `operator session is for camera "${claims.cameraId}", not "${id}"`, 'camera');
    }
    return egress;
  };
  const redacted = (error: unknown): string => deps.rtmp.redactor.redact((error as Error).message ?? String(error));

  router.post('/livepeer/start', async (ctx) => {
    const egress = egressOf(ctx);
    if (egress.active) {
      throw new HttpError(
        409,
        `camera "${egress.camera}" is already streaming (state ${egress.state}): POST /api/stream/livepeer/stop first`,
        'camera',
      );
    }
    let url: string;
    try {
      url = deps.rtmp.publishUrl();
    } catch (error) {
      if (error instanceof LivepeerConfigError) throw new HttpError(422, redacted(error), error.field);
      throw error;
    }
    try {
      ctx.body = { ...(await egress.start(url)), playback: deps.rtmp.livepeer.playback };
    } catch (error) {
      if (error instanceof CameradError) {
        const status = error.code === 'bad_request' ? 400 : error.code === 'busy' ? 409 : 502;
        throw new HttpError(status, `camerad refused to stream: ${redacted(error)}`, 'camera');
      }
      if (error instanceof InvalidStateError) {
        throw new HttpError(503, `camera "${egress.camera}" cannot stream now: ${redacted(error)}`, 'camera');
      }
      throw error;
    }
    ctx.status = 200;
  });

  router.post('/livepeer/stop', async (ctx) => {
    const egress = egressOf(ctx);
    if (!egress.active) throw new HttpError(409, `camera "${egress.camera}" is not streaming`, 'camera');
    ctx.body = { ...(await egress.stop()), playback: deps.rtmp.livepeer.playback };
  });

  router.get('/status', (ctx) => {
    ctx.body = { ...deps.rtmp.livepeer, streams: deps.rtmp.status() };
  });
  return router;
}
