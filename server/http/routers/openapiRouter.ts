import Router from '@koa/router';
import { openApiDocument } from '../openapi.js';

/** `GET /api/openapi.json`: the API reference. */
export function openapiRouter(version: string): Router {
  const router = new Router();
  const document = openApiDocument(version);
  router.get('/api/openapi.json', (ctx) => {
    ctx.body = document;
  });
  return router;
}
