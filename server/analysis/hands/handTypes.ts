/**
 * Shapes shared by the hand model, its inference thread and the analyzer. Coordinates are in the
 * pixels of the image the model ran on (continuous, origin at the top-left corner).
 */

/** A landmark `[x, y, z]`: x, y image px; z depth relative to the wrist in the same px scale (MediaPipe: smaller = nearer). */
export type Landmark3 = [number, number, number];

/**
 * The square, rotated region the landmark model looks at (MediaPipe's hand "ROI").
 * `rotation` is rad, clockwise in image coordinates (y down), 0 when the hand points up.
 */
export interface HandRoi {
  /** Centre, image px. */
  cx: number;
  cy: number;
  /** Side, image px. */
  size: number;
  rotation: number;
}

/** One palm the detector found. */
export interface PalmDetection {
  /** `[x, y, width, height]`, image px. */
  box: [number, number, number, number];
  /** The detector's 7 palm points `[x, y]`, image px (0 wrist centre, 2 middle-finger MCP). */
  keypoints: [number, number][];
  /** 0..1 (sigmoid of the model's logit). */
  score: number;
}

/** A hand found by the landmark model. */
export interface HandLandmarks {
  /** Axis-aligned box around the 21 landmarks, image px. */
  box: [number, number, number, number];
  /** 21 points in MediaPipe Hands order (0 wrist, 1–4 thumb, 5–8 index, 9–12 middle, 13–16 ring, 17–20 pinky). */
  keypoints: Landmark3[];
  /** Hand presence 0..1 (the model's `Identity_1`). */
  presence: number;
  /** `right` when the model's handedness output (`Identity_2`) is > 0.5; as MediaPipe, it assumes a mirrored (selfie) picture. */
  handedness: 'left' | 'right';
  /** The handedness output 0..1 (probability of `right`). */
  handednessScore: number;
  /** The region the landmarks came from. */
  roi: HandRoi;
}

/** Time spent in one analysis step on the inference thread, ms. */
export interface HandTimings {
  /** Palm detector (resize + inference + decoding); 0 when it did not run. */
  detectMs: number;
  /** Landmark model, all hands together. */
  landmarksMs: number;
  /** The whole step on the thread. */
  totalMs: number;
}
