/** Building blocks shared by the OpenAPI path descriptions (openapiSessions.ts, openapiFaces.ts). */

import { z } from 'zod';
import type { RouteBodies } from './routers/routeBodies.js';

/** The error response (`{ error, field? }`), defined once in openapi.ts's components. */
export const error = { $ref: '#/components/responses/Error' };
/** Security: a viewer token (header, or query where browsers cannot set headers), or nothing for a local client when none is configured. */
export const viewer = [{ bearer: [] }, { queryToken: [] }, {}];
/** Security: a wallet's session token. */
export const session = [{ sessionToken: [] }];
/** Security: the operator, by the admin token (`Authorization: Bearer` only) or the operator's session token. */
export const operator = [{ bearer: [] }, { sessionToken: [] }];

/** A JSON content block with `schema`. */
export const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });

/**
 * The JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of what a zod schema accepts: its input
 * side, so fields with a default are optional. Descriptions come from the schema's `.describe()`.
 */
export function inputSchema(schema: z.ZodType): Record<string, unknown> {
  const out: Record<string, unknown> = z.toJSONSchema(schema, { io: 'input' });
  delete out.$schema;
  return out;
}

/**
 * A JSON request body: the schema the router validates it with (routers/*Bodies.ts).
 * `required: false` where an absent body reads as `{}`.
 */
export const zodBody = (schema: z.ZodType, required = true) => ({ required, ...json(inputSchema(schema)) });

/**
 * The request body of `route` (`METHOD /path`) from a router's body table.
 * @throws Error when the table has no schema for the route.
 */
export function routeBody(bodies: RouteBodies, route: string, required = true): ReturnType<typeof zodBody> {
  const schema = bodies[route];
  if (!schema) throw new Error(`OpenAPI: no request body schema for ${route}`);
  return zodBody(schema, required);
}

/** A JSON response. */
export const ok = (description: string, schema: Record<string, unknown>) => ({ description, ...json(schema) });
