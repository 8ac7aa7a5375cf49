/**
 * Hand-made 21-point hands (MediaPipe order) for the classifier's and tracker's edge cases: an
 * upright right hand, wrist at (100, 200), palm size 80 px, each finger extended or curled.
 */

type P = [number, number, number];

/** Thumb shapes: out to the side (open hand), folded across the palm, straight up (thumbs up). */
export type ThumbShape = 'out' | 'folded' | 'up';

const MCP_X = [70, 95, 120, 142];

/**
 * A hand with `fingers` (index, middle, ring, pinky) extended (true) or curled (false); extended
 * fingers fan out by `spread` px at the tip (index to the left, the others to the right).
 */
export function syntheticHand(thumb: ThumbShape, fingers: [boolean, boolean, boolean, boolean], spread = 0): P[] {
  const thumbs: Record<ThumbShape, P[]> = {
    out: [
      [75, 185, 0],
      [55, 165, 0],
      [40, 150, 0],
      [25, 135, 0],
    ],
    folded: [
      [80, 185, 0],
      [65, 165, 0],
      [70, 140, 0],
      [85, 125, 0],
    ],
    up: [
      [80, 185, 0],
      [70, 150, 0],
      [62, 100, 0],
      [55, 40, 0],
    ],
  };
  const points: P[] = [[100, 200, 0], ...thumbs[thumb]];
  fingers.forEach((extended, i) => {
    const x = MCP_X[i]!;
    const lean = ([-1, 1, 1.5, 2][i]! * spread) / 3;
    points.push([x, 120, 0]);
    if (extended) points.push([x + lean, 90, 0], [x + 2 * lean, 70, 0], [x + 3 * lean, 52, 0]);
    else points.push([x, 95, -5], [x, 110, -10], [x, 125, -10]);
  });
  return points;
}

/** `points` turned by `deg` (clockwise on screen) about (100, 130). */
export function rotateHand(points: readonly P[], deg: number): P[] {
  const r = (deg * Math.PI) / 180;
  const cos = Math.cos(r);
  const sin = Math.sin(r);
  return points.map(([x, y, z]) => {
    const dx = x - 100;
    const dy = y - 130;
    return [100 + cos * dx - sin * dy, 130 + sin * dx + cos * dy, z];
  });
}
