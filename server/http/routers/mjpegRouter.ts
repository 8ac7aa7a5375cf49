import Router from '@koa/router';
import type { Context } from 'koa';
import type { Mjpeg } from '../../../media/mjpeg/createMjpeg.js';
import type { StillVariant } from '../../../media/mjpeg/MjpegTypes.js';
import { HttpError } from '../HttpError.js';

/** What {@link mjpegRouter} needs. */
export interface MjpegRouterDeps {
  mjpeg: Mjpeg;
}

/** Seconds a client turned away with 503 is told to wait (`Retry-After`). */
const RETRY_AFTER_S = 5;

/** 503 `{ error, field? }` (through the error middleware) with `Retry-After`. */
function unavailable(ctx: Context, message: string, field?: string): never {
  ctx.set('Retry-After', String(RETRY_AFTER_S));
  throw new HttpError(503, message, field);
}

/**
 * MJPEG over HTTP (the seed API's paths), viewer access like WHEP (server/access/accessTable.ts;
 * `Authorization: Bearer` or `?token=` for `<img>` tags):
 * - `GET /mjpeg-stream`: the clean picture; `GET /mjpeg-stream-with-faces` and `GET /stream` (the
 *   original system's `/stream` carried its overlays): the picture with the overlay boxes (the
 *   private overlay policy). `?camera=<id>` picks the camera
 *   (default: the first configured). 200 `multipart/x-mixed-replace; boundary=…`, one
 *   `image/jpeg` part (with `Content-Length`) per still, `Cache-Control: no-store`, until the
 *   client goes away. 404 unknown camera; 503 (with `Retry-After` and a message) when the
 *   camera is not running or `mjpeg.maxClients` clients are connected already.
 * - `GET /api/mjpeg`: clients and their queue and drop counters per camera and variant.
 */
export function mjpegRouter(deps: MjpegRouterDeps): Router {
  const router = new Router();

  const stream = (variant: StillVariant) => (ctx: Context) => {
    // 1. camera exists and runs
    const requested = ctx.query.camera;
    if (Array.isArray(requested)) throw new HttpError(400, 'give camera once', 'camera');
    const hub = deps.mjpeg.hub(requested, variant);
    if (!hub) {
      throw new HttpError(
        404,
        requested === undefined ? 'no camera is configured' : `unknown camera "${requested}"`,
        'camera',
      );
    }
    if (!hub.camera.running) {
      unavailable(ctx, `camera "${hub.camera.id}" is not running`, 'camera');
    }
    // 2. room for one more client
    if (hub.closed) {
      unavailable(ctx, 'MJPEG is shutting down');
    }
    const { maxClients } = deps.mjpeg.config;
    if (!deps.mjpeg.admit()) {
      unavailable(ctx, `too many MJPEG clients (${maxClients}): try again later`);
    }
    // 3. the stream: the response is the client's from here on (Koa leaves it alone)
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = `multipart/x-mixed-replace; boundary=${hub.boundary}`;
      ctx.set('Cache-Control', 'no-store');
      return;
    }
    hub.addClient(ctx.res);
    ctx.respond = false;
  };

  router.get('/stream', stream('overlays'));
  router.get('/mjpeg-stream', stream('clean'));
  router.get('/mjpeg-stream-with-faces', stream('overlays'));
  router.get('/api/mjpeg', (ctx) => {
    ctx.body = deps.mjpeg.stats();
  });
  return router;
}
