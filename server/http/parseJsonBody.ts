// The body parser's typing of ctx.request.body (createHttpApp mounts it before every router).
import type {} from '@koa/bodyparser';
import type { Context } from 'koa';
import type { z } from 'zod';
import { firstZodIssue } from '../zodIssue.js';
import { HttpError } from './HttpError.js';

/**
 * Validates a JSON request body against a zod schema.
 * @returns the parsed body.
 * @throws HttpError 415 for another content type, 400 naming the first bad field.
 */
export function parseJsonBody<S extends z.ZodType>(ctx: Context, schema: S): z.infer<S> {
  if (!ctx.is('application/json')) throw new HttpError(415, 'Content-Type must be application/json', 'content-type');
  const parsed = schema.safeParse(ctx.request.body ?? {});
  if (!parsed.success) {
    const { path, message } = firstZodIssue(parsed.error, 'unknown field');
    const field = path || 'body';
    throw new HttpError(400, `${field}: ${message}`, field);
  }
  return parsed.data;
}
