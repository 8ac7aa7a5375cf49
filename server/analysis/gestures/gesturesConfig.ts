import { z } from 'zod';
import { gestureNameSchema } from '../hands/handsConfig.js';

/** What a held gesture can do for the checked-in, recognised user who makes it. */
export const GESTURE_ACTIONS = ['capture', 'record_start', 'record_stop'] as const;

const actionSchema = z.strictObject({
  gesture: gestureNameSchema
    .exclude(['none'])
    .describe('The gesture: open_palm, fist, thumbs_up, thumbs_down, victory, pointing, ok.'),
  action: z
    .enum(GESTURE_ACTIONS)
    .describe('capture: a photo owned by the user; record_start / record_stop: their recording.'),
  holdMs: z
    .number()
    .int()
    .min(200)
    .max(10_000)
    .default(1000)
    .describe('The gesture must be held this long, ms (capture time), before the action runs.'),
  cooldownMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(10_000)
    .describe('After it ran, the same action does not run again for the same user for this long, ms.'),
  cameras: z
    .array(z.string())
    .max(64)
    .optional()
    .describe('Only on these camera ids; default every camera that runs the hands analyzer.'),
});

/**
 * The `gestures` section: actions a recognised, checked-in user triggers by holding a gesture
 * (server/analysis/gestures/GestureRelay.ts). Off by default (no action). The user sees it happen:
 * a `gesture:action` event to them and a label next to their hand in the video.
 */
export const gesturesSchema = z
  .strictObject({
    actions: z.array(actionSchema).max(16).default([]).describe('Gesture actions; empty = none (the default).'),
  })
  .prefault({});

/** The `gestures` section after defaults. */
export type GesturesConfig = z.infer<typeof gesturesSchema>;
/** One gesture action after defaults. */
export type GestureActionConfig = GesturesConfig['actions'][number];
