import Router from '@koa/router';
import { COMPAT_ALIASES, TEST_PAGES } from '../compatAliases.js';

/**
 * The original system's paths (server/http/compatAliases.ts):
 * - each alias gets a copy of its target route's middleware, so it answers exactly as the target
 *   does; the access gate guards it with its own row, derived from the target's;
 * - `GET /test-page`, `GET /local-test` → 302 to the viewer page under `basePath`, query kept
 *   (a `?token=` or `?camera=` of an old bookmark still works).
 * Built after the other routers and before the access guards are added.
 * @throws Error when an alias's target is not served by `routers` (a stale table).
 */
export function compatRouter(routers: readonly Router[], basePath: string): Router {
  const router = new Router();
  for (const alias of COMPAT_ALIASES) {
    const target = routers
      .flatMap((r) => r.stack)
      .find((layer) => layer.path === alias.aliasOf && layer.methods.includes(alias.method));
    if (!target) throw new Error(`compat alias ${alias.method} ${alias.path}: no route ${alias.aliasOf}`);
    router.register(alias.path, [alias.method], [...target.stack]);
  }
  for (const page of TEST_PAGES) {
    router.get(page, (ctx) => {
      ctx.status = 302;
      ctx.redirect(`${basePath}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
    });
  }
  return router;
}
