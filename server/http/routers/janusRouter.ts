import { existsSync, readFileSync } from 'node:fs';
import Router from '@koa/router';
import type { HttpDeps } from '../HttpDeps.js';
import { HttpError } from '../HttpError.js';
import { JanusTokenLimitError, type JanusTokenRefusal } from '../../../media/janus/JanusTokens.js';
import { callerOf } from '../../access/AccessControl.js';

/** Debian's `libjs-janus-gateway`: janus.js of the same Janus release as the `janus` package. */
export const JANUS_JS_PATH = '/usr/share/javascript/janus-gateway/janus.js';

/**
 * The Janus viewer routes (docs/janus.md):
 * - `POST /api/cameras/:camera/janus` → `{ publicUrl, token, mountpoint, pin, expires }`: a Janus
 *   token minted for this viewer through the Admin API (`add_token`, valid `outputs.janus.tokenTtlS`)
 *   and what `janus.js` needs to watch the camera's mountpoint. 404 naming `camera` for an unknown
 *   camera or when Janus is not configured for viewers (no `publicUrl`); 429 with Retry-After when
 *   the caller's address holds `maxTokensPerAddress` tokens; 503 with Retry-After (and `janus`, the
 *   forward's state, when it is not up) when the forward is not up or `maxTokens` are outstanding.
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
    const before = janus?.status();
    if (!janus || !before?.public) {
      throw new HttpError(404, 'Janus is not configured for viewers (outputs.janus.publicUrl)', 'camera');
    }
    const { address } = callerOf(ctx);
    const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil((before.next_retry_ms ?? 1000) / 1000))) };
    // Checked before the Admin API round trip; mint() checks again.
    const refusal = janus.tokenRefusal(address);
    if (refusal) throw tokenLimit(refusal);
    let grant;
    try {
      grant = await janus.mint(cameraId, address);
    } catch (error) {
      if (error instanceof JanusTokenLimitError) throw tokenLimit(error.refusal);
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

/** 429 past the caller's own bound, 503 past the total; Retry-After: when a token in the way expires. */
function tokenLimit(refusal: JanusTokenRefusal): HttpError {
  const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) };
  return refusal.limit === 'caller'
    ? new HttpError(
        429,
        'too many Janus tokens outstanding for this address (outputs.janus.maxTokensPerAddress)',
        'camera',
        retryAfter,
      )
    : new HttpError(503, 'too many Janus tokens outstanding (outputs.janus.maxTokens)', 'camera', retryAfter);
}
