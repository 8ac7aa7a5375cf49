import { z } from 'zod';
import { refineBackoff } from '../core/backoffConfig.js';

/**
 * The `livepeer` section of the configuration (server/config/configSchema.ts plugs
 * `livepeerSchema` in): the RTMP ingest a camera is published to and how the egress reconnects
 * (media/rtmp/RtmpEgress.ts). Every field has a default or is optional; unknown keys are rejected.
 */

/** Livepeer Studio's RTMP ingest (https://docs.livepeer.org), the default `livepeer.ingestUrl`. */
export const LIVEPEER_INGEST_URL = 'rtmp://rtmp.livepeer.com/live';

export const livepeerSchema = z
  .strictObject({
    ingestUrl: z
      .string()
      .regex(/^rtmps?:\/\/[^/\s]+\/[^\s]*$/, 'must be rtmp://host[:port]/app or rtmps://...')
      .default(LIVEPEER_INGEST_URL)
      .describe('RTMP ingest (Livepeer Studio by default); the stream key is appended.'),
    streamKey: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{8,256}$/, '8 to 256 letters, digits, . _ ~ -')
      .optional()
      .describe('Stream key (secret: never logged or returned). Env ECS_LIVEPEER__STREAM_KEY.'),
    playbackId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,128}$/, 'letters and digits only')
      .optional()
      .describe('Livepeer playback id: the status lists its HLS and player URLs.'),
    camera: z.string().optional().describe('Camera sent to Livepeer; default the first.'),
    backoffInitialMs: z.number().int().min(100).max(60_000).default(1000).describe('First reconnect delay, ms.'),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(30_000).describe('Largest reconnect delay, ms.'),
  })
  .superRefine(refineBackoff)
  .prefault({});

/** The `livepeer` section after validation and defaults. */
export type LivepeerConfig = z.infer<typeof livepeerSchema>;
