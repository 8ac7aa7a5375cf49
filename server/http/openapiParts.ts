/** Building blocks shared by the OpenAPI path descriptions (openapiSessions.ts, openapiFaces.ts). */

/** The error response (`{ error, field? }`), defined once in openapi.ts's components. */
export const error = { $ref: '#/components/responses/Error' };
/** Security: a wallet's session token. */
export const session = [{ sessionToken: [] }];
/** Security: the operator, by the admin token (`Authorization: Bearer` only) or the operator's session token. */
export const operator = [{ bearer: [] }, { sessionToken: [] }];

/** A JSON content block with `schema`. */
export const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });

/** A required JSON request body: an object with these properties, nothing else. */
export const body = (properties: Record<string, unknown>, required: string[] = []) => ({
  required: true,
  ...json({ type: 'object', additionalProperties: false, required, properties }),
});

/** A JSON response. */
export const ok = (description: string, schema: Record<string, unknown>) => ({ description, ...json(schema) });
