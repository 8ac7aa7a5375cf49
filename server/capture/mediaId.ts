import { randomBytes } from 'node:crypto';

/** A media id: 16 random bytes as 32 lowercase hex characters. */
export const MEDIA_ID = /^[0-9a-f]{32}$/;

/** A new random media id (16 bytes from the CSPRNG, lowercase hex). */
export function newMediaId(): string {
  return randomBytes(16).toString('hex');
}

/** True when `value` has the form of a media id (checked before any lookup or path use). */
export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_ID.test(value);
}
