/**
 * The gestures the hand classifier tells apart (server/analysis/hands/), `none` for a hand making
 * none of them. The names are those of the API, the events and `gestures.actions`.
 */
export const GESTURES = ['none', 'open_palm', 'fist', 'thumbs_up', 'thumbs_down', 'victory', 'pointing', 'ok'] as const;

/** One of {@link GESTURES}. */
export type Gesture = (typeof GESTURES)[number];
