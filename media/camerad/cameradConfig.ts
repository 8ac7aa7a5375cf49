import { z } from 'zod';
import { refineBackoff } from '../core/backoffConfig.js';

/**
 * The `camerad` section of the configuration (server/config/configSchema.ts plugs `cameradSchema`
 * in): how the camera daemon is run (media/camerad/CameradSupervisor.ts), its sockets and RTP
 * ports, and its restart backoff. Every field has a default; unknown keys are rejected.
 */
export const cameradSchema = z
  .strictObject({
    mode: z
      .enum(['spawn', 'attach'])
      .default('spawn')
      .describe('spawn: the server runs camerad; attach: entrypoint.sh does.'),
    binary: z.string().default('native/build/camerad').describe('camerad executable, relative to the project root.'),
    runtimeDir: z
      .string()
      .default('.run')
      .describe("Folder for control sockets and camerad's source files, relative to the project root; made mode 0700."),
    rtpBasePort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(5004)
      .describe('First RTP port; camera i uses rtpBasePort + 2 × i unless it sets rtpPort.'),
    backoffInitialMs: z.number().int().min(50).max(60_000).default(500).describe('First restart delay, ms.'),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(10_000).describe('Largest restart delay, ms.'),
    keyframeMinIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(200)
      .describe('Least time between keyframe requests, ms.'),
  })
  .superRefine(refineBackoff)
  .prefault({});

/** The `camerad` section after validation and defaults. */
export type CameradConfig = z.infer<typeof cameradSchema>;
