import { existsSync, readFileSync } from 'node:fs';
import Router from '@koa/router';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';

/** Debian's `libjs-janus-gateway`: janus.js of the same Janus release as the `janus` package. */
export const JANUS_JS_PATH = '/usr/share/javascript/janus-gateway/janus.js';

/**
 * The Janus viewer routes (docs/janus.md):
 * - `POST /api/cameras/:camera/janus` → `{ publicUrl, token, mountpoint, pin, expires }`: a Janus
 *   token minted for this viewer through the Admin API (`add_token`, valid `outputs.janus.tokenTtlS`)
 *   and what `janus.js` needs to watch the camera's mountpoint. 404 naming `camera` for an unknown
 *   camera or when Janus is not configured for viewers (no `publicUrl`); 503 with Retry-After and `janus` (the forward's state)
 *   when the forward is not up or `maxTokens` are outstanding.
 * - `GET /vendor/janus.js` → Janus's own janus.js (Debian's file), 404 when not installed.
 * Access: server/access/accessTable.ts (viewer, WHEP's rate bucket; janus.js open).
 */
export function janusRouter(deps: Pick<HttpDeps, 'cameras' | 'janus'>): Router {
  const router = new Router();
  let janusJs: Buffer | undefined;

  router.post('/api/cameras/:camera/janus', async (ctx) => {
    const cameraId = ctx.params.camera!;
    if (!deps.cameras.has(cameraId)) throw new HttpError(404, `unknown camera "${cameraId}"`, 'camera');
    const janus = deps.janus;
    if (!janus || !janus.status().public) {
      throw new HttpError(404, 'Janus is not configured for viewers (outputs.janus.publicUrl)', 'camera');
    }
    const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil((janus.status().next_retry_ms ?? 1000) / 1000))) };
    if (janus.tokensFull) throw new HttpError(503, 'too many Janus tokens outstanding', 'camera', retryAfter);
    let grant;
    try {
      grant = await janus.mint(cameraId);
    } catch (error) {
      throw new HttpError(503, `Janus refused the token: ${(error as Error).message}`, 'camera', retryAfter);
    }
    if (!grant) {
      const status = janus.status();
      ctx.status = 503;
      ctx.set(retryAfter);
      ctx.body = {
        error: `Janus forward is ${status.state}${status.error ? `: ${status.error}` : ''}`,
        field: 'camera',
        janus: status,
      };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = grant;
  });

  router.get('/vendor/janus.js', (ctx) => {
    if (janusJs === undefined) {
      if (!existsSync(JANUS_JS_PATH)) throw new HttpError(404, 'janus.js is not installed (libjs-janus-gateway)');
      janusJs = readFileSync(JANUS_JS_PATH);
    }
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = janusJs;
  });
  return router;
}
