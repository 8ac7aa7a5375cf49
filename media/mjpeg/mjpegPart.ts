import { randomBytes } from 'node:crypto';
import type { MjpegPart, MjpegStill } from './MjpegTypes.js';

/** A fresh multipart boundary: `ecs-mjpeg-` and 24 hex digits (never found in a JPEG by chance). */
export function newBoundary(): string {
  return `ecs-mjpeg-${randomBytes(12).toString('hex')}`;
}

/**
 * The part of one still, built once and written to every client: the boundary line, then
 * `Content-Type: image/jpeg`, `Content-Length` (bytes of the JPEG), `X-Frame` (source frame
 * number) and `X-Capture-Time-Ms` (ms since the Unix epoch), a blank line; the JPEG follows.
 */
export function mjpegPart(boundary: string, still: MjpegStill): MjpegPart {
  const head =
    `--${boundary}\r\n` +
    'Content-Type: image/jpeg\r\n' +
    `Content-Length: ${still.jpeg.length}\r\n` +
    `X-Frame: ${still.frame}\r\n` +
    `X-Capture-Time-Ms: ${still.captureTimeMs}\r\n\r\n`;
  return { head: Buffer.from(head, 'latin1'), jpeg: still.jpeg, frame: still.frame };
}
