import { z } from 'zod';

/**
 * One `cameras[].analyzers` entry of type `hands` (server/analysis/analyzersConfig.ts joins the
 * types): hand detection, 21 landmarks, tracking and gesture classification.
 */
export const handsEntrySchema = z.strictObject({
  type: z.literal('hands').describe('Hands and gestures (MediaPipe Hands models on TF.js WASM).'),
  fps: z.number().min(0.5).max(30).default(10).describe('Frames analysed per second (at most; fewer when busy).'),
  overlay: z.boolean().default(true).describe('Draw hand skeletons and gesture labels into the video.'),
});

/** A `hands` analyzer entry after defaults. */
export type HandsEntry = z.infer<typeof handsEntrySchema>;
