import { z } from 'zod';

/**
 * The `websocket` section of the configuration: the WebSocket video path
 * (`GET /api/cameras/:camera/ws`, docs/websocket-video.md). Who may connect and how often is the
 * access model's (`limits.socketPerAddress`, `limits.whepViewersPerCamera`,
 * `limits.whepViewersPerAddress`).
 */
export const websocketSchema = z
  .strictObject({
    queueBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe(
        'Per-viewer queue bound, bytes: what the socket has not written plus what waits for it. ' +
          'The default holds about 2 s of the default 2500 kbit/s stream (625 KB) with room for a keyframe. ' +
          'A viewer that would exceed it skips to the next keyframe.',
      ),
    stallTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(10_000)
      .describe('A viewer whose socket stays full this long after its queue overflowed is closed (1008), ms.'),
    maxClients: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(200)
      .describe('WebSocket video viewers at once on the server; the next upgrade gets 503.'),
    gopCacheBytes: z
      .number()
      .int()
      .min(256 * 1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024)
      .describe(
        'Per-camera cache of the access units since the newest keyframe (new viewers start from it), bytes; ' +
          'a longer GOP empties it and new viewers wait for the next keyframe.',
      ),
  })
  .prefault({});

export type WebsocketConfig = z.infer<typeof websocketSchema>;
