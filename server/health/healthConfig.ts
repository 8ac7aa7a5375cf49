import { z } from 'zod';

/**
 * The `health` section: what `GET /api/health` counts as a failure (server/health/HealthService.ts).
 * Docker's HEALTHCHECK and the host's image-sync manager read that route.
 */
export const healthSchema = z
  .strictObject({
    minFreeBytes: z
      .number()
      .int()
      .min(0)
      .default(256 * 1024 * 1024)
      .describe(
        'Least free space under storage.dataDir, bytes; less fails the health check (photos, recordings and the database would fail to write).',
      ),
    maxImageAgeS: z
      .number()
      .min(1)
      .max(86_400)
      .default(30)
      .describe('A dir:// camera (host capture) whose newest image is older than this fails the health check, s.'),
  })
  .prefault({});

/** The `health` section after defaults. */
export type HealthConfig = z.infer<typeof healthSchema>;
