import Router from '@koa/router';
import { openApiDocument } from '../openapi.js';

/**
 * `GET /api/openapi.json`: the API reference; its `servers` entry is `server.publicUrl` when set
 * (the address behind a reverse proxy, with its path prefix).
 */
export function openapiRouter(version: string, publicUrl?: string): Router {
  const router = new Router();
  const document = {
    ...openApiDocument(version),
    ...(publicUrl === undefined ? {} : { servers: [{ url: publicUrl.replace(/\/+$/, '') }] }),
  };
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}
