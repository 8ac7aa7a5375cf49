import type { FaceDetection, HandDetection, ObjectDetection } from './analyzerTypes.js';

/**
 * How far from the face centre a wrist may be and still belong to that face's person, in face
 * heights: the head is about 1/7.5 of body height, shoulder to wrist about 3 head heights and the
 * face centre to a shoulder about 1.5 (Vitruvian / artistic canon proportions), so 4.5.
 */
export const HAND_REACH_FACE_HEIGHTS = 4.5;

/**
 * The face whose person a hand belongs to: among the faces whose centre lies above the wrist
 * (landmark 0; image y grows downwards, and a raised hand's wrist can be above the chin, so the
 * centre is compared with the wrist plus half a face height), the nearest one within
 * {@link HAND_REACH_FACE_HEIGHTS} of its own height from the wrist. Null when none is that close,
 * e.g. a hand held up by someone whose face is out of frame.
 * @param hand boxes and keypoints in output px.
 * @param faces the same camera's face tracks, output px.
 */
export function handOwner(hand: HandDetection, faces: readonly FaceDetection[]): FaceDetection | null {
  return nearestFaceAbove(hand, faces);
}

/**
 * The wallet a hand belongs to: its {@link handOwner}'s, or, when no recognised face is near
 * (a face turned away), that of the smallest identified person box (objects analyzer, identity
 * carried between face looks) containing the wrist. Null when neither knows.
 */
export function handWallet(
  hand: HandDetection,
  faces: readonly FaceDetection[],
  persons: readonly ObjectDetection[],
): string | null {
  const face = nearestFaceAbove(hand, faces);
  if (face?.wallet) return face.wallet;
  const wrist = hand.keypoints[0];
  if (!wrist) return null;
  let best: string | null = null;
  let bestArea = Number.POSITIVE_INFINITY;
  for (const p of persons) {
    const [x, y, w, h] = p.box;
    if (!p.wallet || wrist[0] < x || wrist[0] > x + w || wrist[1] < y || wrist[1] > y + h) continue;
    if (w * h < bestArea) {
      best = p.wallet;
      bestArea = w * h;
    }
  }
  return best;
}

function nearestFaceAbove(hand: HandDetection, faces: readonly FaceDetection[]): FaceDetection | null {
  const wrist = hand.keypoints[0];
  if (!wrist) return null;
  let best: FaceDetection | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const face of faces) {
    const [x, y, w, h] = face.box;
    const cx = x + w / 2;
    const cy = y + h / 2;
    if (cy > wrist[1] + h / 2) continue;
    const distance = Math.hypot(wrist[0] - cx, wrist[1] - cy);
    if (distance <= HAND_REACH_FACE_HEIGHTS * h && distance < bestDistance) {
      best = face;
      bestDistance = distance;
    }
  }
  return best;
}
