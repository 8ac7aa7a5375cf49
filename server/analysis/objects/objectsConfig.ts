import { z } from 'zod';

/**
 * One `cameras[].analyzers` entry of type `objects` (server/analysis/analyzersConfig.ts joins the
 * types): a COCO detector counting people and vehicles.
 */
export const objectsEntrySchema = z.strictObject({
  type: z.literal('objects').describe('People, vehicles and other COCO classes.'),
  fps: z.number().min(0.5).max(30).default(5).describe('Frames analysed per second (at most; fewer when busy).'),
  overlay: z.boolean().default(true).describe('Draw the object boxes into the video.'),
});

/** An `objects` analyzer entry after defaults. */
export type ObjectsEntry = z.infer<typeof objectsEntrySchema>;
