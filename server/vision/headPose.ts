import type { Point } from './visionTypes.js';

/**
 * Head yaw from the 68 iBUG 300-W landmarks, as a ratio: where the nose tip (point 30) lies
 * between the two ends of the jaw line at eye level (points 0 and 16, the face's outline beside
 * each ear), mapped to −1..1:
 *
 *     r = (x₃₀ − x₀) / (x₁₆ − x₀),   yaw = 2r − 1
 *
 * 0 faces the camera; positive when the nose moves towards the image's right (the person turns
 * to their own left, seen by an unmirrored camera), negative the other way. The nose tip stands
 * out of the face plane, so its offset from the outline's middle grows with the sine of the
 * turn while the outline's width shrinks with its cosine: for a nose depth d and half face width w
 * the ratio is about (d / w)·tan(yaw), with d / w ≈ 0.6–0.7 for adult faces, so 0.35 is roughly a
 * 25–30° turn. This is the geometric family of head-pose estimators (the facial-normal model of
 * Gee & Cipolla, "Determining the gaze of faces in images", Image and Vision Computing 12(10),
 * 1994; surveyed as "geometric methods" by Murphy-Chutorian & Trivedi, "Head Pose Estimation in
 * Computer Vision: A Survey", IEEE TPAMI 31(4), 2009), reduced to the one axis the liveness
 * challenge needs. Measured on the fixtures (UltraFace + faceplugin 68 points): faces looking at
 * the camera −0.15..0.11, clearly turned faces 0.49–0.79 in magnitude
 * (test/server/vision/headPose.test.ts, test/server/faces/faceLiveness.test.ts).
 *
 * @param points the 68 points of one face (FaceLandmarker68), image pixels.
 * @returns yaw ratio, −1..1 (clamped); 0 when the jaw line has no width.
 * @throws TypeError unless there are 68 points.
 */
export function yawRatio(points: readonly Point[]): number {
  if (points.length !== 68) throw new TypeError('points must hold the 68 iBUG landmarks');
  const left = points[0]![0];
  const right = points[16]![0];
  const width = right - left;
  if (!(width > 0)) return 0;
  const r = (points[30]![0] - left) / width;
  return Math.max(-1, Math.min(1, 2 * r - 1));
}

/** A head pose the liveness challenge asks for: the person's own left/right, or facing the camera. */
export type HeadPose = 'left' | 'right' | 'center';

/**
 * The pose a yaw ratio shows: `left` at or above `turn` (the person's own left, unmirrored
 * camera), `right` at or below −`turn`, `center` within ±`center`, else null (in between: no
 * pose, e.g. while turning).
 */
export function poseOf(yaw: number, thresholds: { turn: number; center: number }): HeadPose | null {
  if (yaw >= thresholds.turn) return 'left';
  if (yaw <= -thresholds.turn) return 'right';
  if (Math.abs(yaw) <= thresholds.center) return 'center';
  return null;
}
