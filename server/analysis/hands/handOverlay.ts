import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';

/**
 * The hand skeleton drawn into the video: MediaPipe Hands' connections (HAND_CONNECTIONS in
 * mediapipe/python/solutions/hands_connections.py) as one polyline per finger (from the wrist)
 * and a closed palm outline, plus the 21 points as a `keypoints` item carrying the gesture label.
 * Keypoints and polylines are not identity: camerad draws them under the `boxes` policy.
 */

/** Point chains of the skeleton (indices into the 21 landmarks). */
export const HAND_BONES: readonly { points: readonly number[]; closed: boolean }[] = [
  { points: [0, 1, 2, 3, 4], closed: false },
  { points: [5, 6, 7, 8], closed: false },
  { points: [9, 10, 11, 12], closed: false },
  { points: [13, 14, 15, 16], closed: false },
  { points: [17, 18, 19, 20], closed: false },
  { points: [0, 5, 9, 13, 17], closed: true },
];

/** Skeleton colour (cyan: distinct from the faces layer's green and amber). */
export const HAND_OVERLAY_COLOR = '#00b8ff';

/**
 * Overlay items of one hand.
 * @param points the 21 landmarks `[x, y]`, output px.
 * @param label drawn with the keypoints (the gesture, e.g. `thumbs_up`), at most 64 characters.
 * @param ttlMs how long camerad keeps them, ms.
 * @param id distinguishes the hand's items within the layer.
 */
export function handOverlayItems(
  points: readonly (readonly [number, number])[],
  label: string,
  ttlMs: number,
  id: string,
): OverlayItem[] {
  const at = (i: number): [number, number] => [Math.round(points[i]![0]), Math.round(points[i]![1])];
  const items: OverlayItem[] = HAND_BONES.map((bone, n) => ({
    kind: 'polyline',
    id: `${id}-b${n}`,
    points: bone.points.map(at),
    closed: bone.closed,
    color: HAND_OVERLAY_COLOR,
    ttl_ms: ttlMs,
  }));
  items.push({
    kind: 'keypoints',
    id: `${id}-k`,
    points: points.map((_, i) => at(i)),
    label: label.slice(0, 64),
    color: HAND_OVERLAY_COLOR,
    ttl_ms: ttlMs,
  });
  return items;
}
