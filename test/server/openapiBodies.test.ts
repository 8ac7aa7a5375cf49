import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type Router from '@koa/router';
import { z } from 'zod';
import { openApiDocument } from '../../server/http/openapi.js';
import { buildRouters } from '../../server/http/createHttpApp.js';
import { analysisBodies } from '../../server/http/routers/analysisBodies.js';
import { cameraBodies } from '../../server/http/routers/cameraBodies.js';
import { captureBodies } from '../../server/http/routers/captureBodies.js';
import { faceBodies } from '../../server/http/routers/faceBodies.js';
import { sessionBodies } from '../../server/http/routers/sessionBodies.js';
import { streamBodies } from '../../server/http/routers/streamBodies.js';

type Operation = Record<string, unknown> & {
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown }> };
  'x-alias-of'?: string;
};

/** Every router's JSON body schema, by `METHOD /path` (the routers validate with these). */
const BODIES: Record<string, z.ZodType> = {
  ...sessionBodies,
  ...faceBodies,
  ...analysisBodies,
  ...captureBodies,
  ...streamBodies,
  ...cameraBodies,
};

const doc = openApiDocument('0.0.0') as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'post', 'patch', 'put', 'delete'].includes(method))
    .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
);

/** What the document says a JSON body of `route` must be. */
function documentedJson(route: string): unknown {
  return operations.find((o) => o.route === route)?.op.requestBody?.content['application/json']?.schema;
}

/** The JSON Schema of what `schema` accepts (its input side: defaulted fields optional). */
function accepted(schema: z.ZodType): Record<string, unknown> {
  const out: Record<string, unknown> = z.toJSONSchema(schema, { io: 'input' });
  delete out.$schema;
  return out;
}

describe('OpenAPI request bodies', () => {
  it('every route with a body schema documents exactly what that schema accepts', () => {
    for (const [route, schema] of Object.entries(BODIES)) {
      assert.deepEqual(documentedJson(route), accepted(schema), route);
    }
  });

  it('every documented JSON request body is a router’s schema (aliases: their target’s)', () => {
    const handWritten = operations
      .filter(({ op }) => op.requestBody?.content['application/json'] !== undefined)
      .filter(({ route, op }) => {
        const source = op['x-alias-of'] ?? route;
        const schema = BODIES[source];
        return schema === undefined || !isDeepStrictEqual(documentedJson(route), accepted(schema));
      })
      .map(({ route }) => route);
    assert.deepEqual(handWritten, []);
  });

  it('every route in the body tables is served', () => {
    const routers = buildRouters({} as never);
    const served = new Set(
      routers.flatMap((router: Router) =>
        router.stack.flatMap((layer) => {
          // A route given as a RegExp has no template to document: none of the body tables' routes.
          const path = layer.path;
          return typeof path === 'string'
            ? layer.methods.map((m) => `${m} ${path.replace(/:([A-Za-z]+)/g, '{$1}')}`)
            : [];
        }),
      ),
    );
    assert.deepEqual(
      Object.keys(BODIES).filter((route) => !served.has(route)),
      [],
    );
  });

  it('every field of every body has a description', () => {
    const bare = Object.entries(BODIES).flatMap(([route, schema]) =>
      Object.entries((accepted(schema).properties ?? {}) as Record<string, { description?: string }>)
        .filter(([, field]) => !field.description)
        .map(([name]) => `${route} ${name}`),
    );
    assert.deepEqual(bare, []);
  });
});
