import { z } from 'zod';

/** A fraction of the picture's width or height, 0..1. */
const fraction = z.number().min(0).max(1);

/**
 * One `cameras[].analyzers` entry of type `sky`: brightness, colour and a cloud-cover estimate
 * over a region of the picture, no model (the worked example of docs/analyzers.md).
 */
export const skyEntrySchema = z
  .strictObject({
    type: z.literal('sky').describe('Sky brightness, colour and cloud cover over a region (no model).'),
    fps: z.number().min(0.05).max(30).default(1).describe('Frames analysed per second.'),
    region: z
      .tuple([fraction, fraction, fraction, fraction])
      .default([0, 0, 1, 1 / 3])
      .describe('`[x, y, width, height]` as fractions of the picture; default the top third.'),
    redBlueRatio: z
      .number()
      .min(0.1)
      .max(2)
      .default(0.6)
      .describe(
        'A pixel whose red/blue ratio is at least this is cloud (Long et al. 2006, J. Atmos. Oceanic Technol. 23:633).',
      ),
    overlay: z.boolean().default(true).describe('Outline the region and show the cloud cover in the video.'),
  })
  .refine((s) => s.region[0] + s.region[2] <= 1 && s.region[1] + s.region[3] <= 1, {
    message: 'the region must lie inside the picture (x + width ≤ 1, y + height ≤ 1)',
    path: ['region'],
  })
  .refine((s) => s.region[2] > 0 && s.region[3] > 0, { message: 'the region must not be empty', path: ['region'] });

/** A `sky` analyzer entry after defaults. */
export type SkyEntry = z.infer<typeof skyEntrySchema>;
