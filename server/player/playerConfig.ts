import { z } from 'zod';

/**
 * The `player` section of the server's configuration (server/config/configSchema.ts plugs
 * `playerSchema` in): settings of the viewer page's player (web/src/player/), served to the page
 * in `GET /api/status` as `player`. Every field has a default; unknown keys are rejected.
 */
export const playerSchema = z
  .strictObject({
    webrtcTimeoutMs: z
      .number()
      .int()
      .min(500)
      .max(60_000)
      .default(3000)
      .describe(
        'The player gives up on WebRTC and tries the WebSocket video path when ICE fails or no frame is ' +
          'decoded within this time after it starts, ms.',
      ),
  })
  .prefault({});

/** The `player` settings after validation and defaults; also the `player` object of `GET /api/status`. */
export type PlayerConfig = z.infer<typeof playerSchema>;
