import type { z } from 'zod';

/**
 * The JSON request body schemas of a router, by route (`METHOD /path/{param}`, as the OpenAPI
 * document spells it): what the router validates with `parseJsonBody`, and what the OpenAPI
 * document describes (test/server/openapiBodies.test.ts checks the two agree).
 */
export type RouteBodies = Readonly<Record<string, z.ZodType>>;
