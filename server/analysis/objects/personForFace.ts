import type { OutputBox } from '../analyzerTypes.js';

/**
 * Face ↔ person association: for each face, the index in `persons` of the person box that
 * contains the face box's centre, the smallest such box when several do (the nearer person in a
 * crowd), or null when none does. Boxes are `[x, y, width, height]` in the same pixels (output
 * px). Pure; O(faces × persons).
 */
export function personForFace(
  faces: readonly { box: OutputBox | readonly number[] }[],
  persons: readonly { box: OutputBox | readonly number[] }[],
): (number | null)[] {
  return faces.map(({ box: f }) => {
    const cx = f[0]! + f[2]! / 2;
    const cy = f[1]! + f[3]! / 2;
    let best: number | null = null;
    let bestArea = Infinity;
    persons.forEach(({ box: p }, i) => {
      const inside = cx >= p[0]! && cx <= p[0]! + p[2]! && cy >= p[1]! && cy <= p[1]! + p[3]!;
      const area = p[2]! * p[3]!;
      if (inside && area < bestArea) {
        best = i;
        bestArea = area;
      }
    });
    return best;
  });
}
