import { z } from 'zod';

/**
 * The `outputs.mjpeg` section of the configuration (server/config/configSchema.ts plugs
 * `mjpegSchema` in): the MJPEG streams (`GET /mjpeg-stream`, `/mjpeg-stream-with-faces`). Every
 * field has a default; unknown keys are rejected.
 */
export const mjpegSchema = z
  .strictObject({
    fps: z.number().min(1).max(30).default(15).describe('MJPEG frames per second.'),
    quality: z.number().int().min(1).max(100).default(80).describe('MJPEG JPEG quality.'),
    queueFrames: z
      .number()
      .int()
      .min(1)
      .max(16)
      .default(2)
      .describe('Frames queued per MJPEG client; a slower client loses frames.'),
    maxClients: z.number().int().min(1).max(1000).default(50).describe('MJPEG clients per server.'),
  })
  .prefault({});

/** The `outputs.mjpeg` section after validation and defaults. */
export type MjpegConfig = z.infer<typeof mjpegSchema>;
