import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { HttpError } from './HttpError.js';

/** Content types accepted for uploaded images. */
export const IMAGE_TYPES = ['image/jpeg', 'image/png'] as const;

/**
 * Reads an uploaded image body (`Content-Type: image/jpeg` or `image/png`), at most `maxBytes`.
 * @returns the bytes, or undefined when the request has no image body (JSON or empty).
 * @throws HttpError 415 for another non-JSON type, 413 past `maxBytes` (the rest is not read).
 */
export async function readImageBody(ctx: Context, maxBytes: number): Promise<Buffer | undefined> {
  const type = ctx.request.type;
  if (type === '' || type === 'application/json') return undefined;
  if (!(IMAGE_TYPES as readonly string[]).includes(type)) {
    throw new HttpError(415, `Content-Type must be ${IMAGE_TYPES.join(' or ')} (or application/json)`, 'content-type');
  }
  try {
    return await getRawBody(ctx.req, { limit: maxBytes, length: ctx.get('content-length') || undefined });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') {
      throw new HttpError(413, `image larger than ${maxBytes} bytes`, 'image');
    }
    throw new HttpError(400, `could not read the image: ${(error as Error).message}`, 'image');
  }
}
