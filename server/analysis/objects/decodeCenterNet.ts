import type { ObjectCandidate, OutputArray } from './objectCandidates.js';

/**
 * Decodes MobileNetV3-CenterNet's `tower_0/detections` output (the model's own top-100 peak
 * extraction, https://github.com/610265158/mobilenetv3_centernet): `[1, 100, 6]`, each row
 * `x1, y1, x2, y2` in input pixels (512 × 512), score 0..1, COCO class index (0 = person). Rows
 * are sorted by score; NaN classes (padding) are skipped. Source of the layout:
 * `@vladmandic/human` src/object/centernet.ts, and a run on Debian darknet's dog.jpg.
 */
export function decodeCenterNet(outputs: readonly OutputArray[], minScore: number): ObjectCandidate[] {
  const detections = outputs[0];
  if (!detections || detections.shape.at(-1) !== 6) {
    throw new Error(`CenterNet: expected a [1, N, 6] detections output, got [${detections?.shape.join(', ')}]`);
  }
  const { data } = detections;
  const out: ObjectCandidate[] = [];
  for (let r = 0; r + 6 <= data.length; r += 6) {
    const score = data[r + 4]!;
    const classIndex = data[r + 5]!;
    if (!(score >= minScore) || !Number.isInteger(classIndex) || classIndex < 0 || classIndex >= 80) continue;
    out.push({ x1: data[r]!, y1: data[r + 1]!, x2: data[r + 2]!, y2: data[r + 3]!, score, classIndex });
  }
  return out;
}
