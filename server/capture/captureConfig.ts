import { z } from 'zod';

/**
 * The photo and recording settings of the `outputs` section of the configuration
 * (server/config/configSchema.ts spreads {@link captureOutputsShape} into `outputs`): recording
 * limits, retention and the per-wallet quotas. Every field has a default; unknown keys are
 * rejected. Sizes are MiB (1 MiB = 1,048,576 bytes).
 */

/** `outputs.recording`. */
export const recordingSchema = z
  .strictObject({
    maxDurationS: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(3600)
      .describe('A recording stops by itself after this long, s.'),
    fragmentMs: z
      .number()
      .int()
      .min(200)
      .max(10_000)
      .default(1000)
      .describe('MP4 fragment length, ms: at most this much is lost on a crash or power cut.'),
  })
  .prefault({})
  .describe('Recordings (fragmented MP4 under <dataDir>/media).');

/** `outputs.retention`. */
export const retentionSchema = z
  .strictObject({
    maxAgeDays: z.number().min(0.001).max(3650).default(30).describe('Photos and videos older than this are deleted.'),
    diskBudgetMib: z
      .number()
      .min(0.01)
      .max(10_000_000)
      .default(2048)
      .describe(
        'While all photos and videos take more than this, MiB, the oldest items of the owner using the most bytes are deleted (never a recording being written).',
      ),
    // Renamed: the value was always read as MiB, so only the key changes.
    diskBudgetMb: z
      .never({
        error:
          'renamed diskBudgetMib (the value was always read as MiB, 1 MiB = 1,048,576 bytes): rename the key, keep the value',
      })
      .optional()
      .describe('Renamed diskBudgetMib; setting it is an error saying so.'),
    sweepIntervalS: z.number().int().min(1).max(86_400).default(300).describe('Retention check period, s.'),
  })
  .prefault({})
  .describe('How long photos and videos are kept, and the disk space they may take.');

/** `outputs.quotas`: what one wallet may hold and take. The operator is not bound by them. */
export const quotasSchema = z
  .strictObject({
    photosPerHour: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(120)
      .describe(
        'Photos a wallet may take in any 60-minute window (deleted ones count); the next gets 429 with Retry-After.',
      ),
    walletBudgetPercent: z
      .number()
      .min(0.1)
      .max(100)
      .default(25)
      .describe(
        'Bytes of photos and videos one wallet may keep, as a share of retention.diskBudgetMib, %; over it a capture gets 507 and a recording stops.',
      ),
    walletBudgetMib: z
      .number()
      .min(0.01)
      .max(10_000_000)
      .optional()
      .describe('Bytes one wallet may keep, MiB; when set, it replaces walletBudgetPercent.'),
  })
  .prefault({});

/** The keys of `outputs` owned by server/capture. */
export const captureOutputsShape = {
  recording: recordingSchema,
  retention: retentionSchema,
  quotas: quotasSchema.describe(
    'Per-wallet limits on photos and recordings (server/capture/captureConfig.ts); the operator is not bound by them.',
  ),
};

/** The capture settings after validation and defaults (`outputs.recording`, `.retention`, `.quotas`). */
export const captureConfigSchema = z.strictObject(captureOutputsShape);

export type CaptureConfig = z.infer<typeof captureConfigSchema>;

/** 1 MiB, bytes. */
export const MIB = 1024 * 1024;

/**
 * The byte quota of one wallet: `walletBudgetMib` when set, else `walletBudgetPercent` of the
 * disk budget. @returns bytes (an integer ≥ 1).
 */
export function walletBudgetBytes(config: Pick<CaptureConfig, 'retention' | 'quotas'>): number {
  const { quotas, retention } = config;
  const mib = quotas.walletBudgetMib ?? (retention.diskBudgetMib * quotas.walletBudgetPercent) / 100;
  return Math.max(1, Math.floor(mib * MIB));
}
