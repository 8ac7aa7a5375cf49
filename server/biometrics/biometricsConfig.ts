import { z } from 'zod';

/**
 * The `biometrics` section of the configuration (server/config/configSchema.ts plugs
 * `biometricsSchema` in): the master key wrapping biometric data at rest and how long
 * unconsented data is kept (server/biometrics/).
 */
export const biometricsSchema = z
  .strictObject({
    masterKeyFile: z
      .string()
      .optional()
      .describe('32-byte master key file wrapping the per-wallet data keys; default <dataDir>/master.key, generated.'),
    tempTtlS: z
      .number()
      .int()
      .min(10)
      .max(30 * 86_400)
      .default(3600)
      .describe('Temporary biometric data (unconsented captures) is purged after this, s.'),
    purgeIntervalS: z.number().int().min(1).max(86_400).default(60).describe('Expired-data purge period, s.'),
  })
  .prefault({});

/** The `biometrics` section after validation and defaults. */
export type BiometricsConfig = z.infer<typeof biometricsSchema>;
