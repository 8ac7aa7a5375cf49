import { z } from 'zod';

/**
 * One `cameras[].analyzers` entry of type `faces`: the face pipeline (server/vision/) as an
 * analyzer. Models, thresholds and enrolment stay in the `vision` and `faces` sections.
 */
export const facesEntrySchema = z.strictObject({
  type: z.literal('faces').describe('Face detection, tracking and recognition of checked-in users.'),
  fps: z
    .number()
    .min(0.5)
    .max(30)
    .optional()
    .describe('Frames analysed per second (at most; fewer when busy); default `faces.analysisFps`.'),
});

/** A `faces` analyzer entry after validation. */
export type FacesEntry = z.infer<typeof facesEntrySchema>;
