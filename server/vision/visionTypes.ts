/**
 * Types shared by the face pipeline (detect → landmarks → align → embed). Coordinates are
 * continuous image pixels unless a comment says otherwise: x grows to the right, y downwards,
 * pixel (i, j) covers [i, i + 1) × [j, j + 1), so its centre is (i + 0.5, j + 0.5).
 */

/**
 * An 8-bit RGB image, rows top to bottom (camerad's analysis frames, decoded uploads). Row y
 * starts at byte `y * stride`; `data.length >= (height - 1) * stride + width * 3`.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** Bytes per row, ≥ 3 × width (GStreamer pads rows to 4 bytes). Default 3 × width. */
  stride?: number;
  /** RGB24, interleaved. */
  data: Uint8Array;
}

/**
 * A frame already on the inference thread (`FaceAnalyzerWorker.keep`): requests that name it
 * instead of sending pixels again, so a frame crosses to the thread once per analysis step
 * however many faces are embedded in it. Valid until released.
 */
export interface KeptFrame {
  /** The thread's handle of the frame. */
  readonly kept: number;
  readonly width: number;
  readonly height: number;
}

/** What {@link FaceAnalyzer.embed} needs of a face: its box, and its five points when known. */
export interface FaceToEmbed {
  box: Box;
  landmarks5?: FivePoints;
}

/** A point in image pixels. */
export type Point = readonly [x: number, y: number];

/** An axis-aligned box in image pixels: left, top, width, height. */
export type Box = readonly [x: number, y: number, width: number, height: number];

/**
 * The five ArcFace alignment points, in this order (as seen in the image): the eye on the
 * image's left, the eye on the image's right, the nose tip, the mouth corner on the left, the
 * mouth corner on the right.
 */
export type FivePoints = readonly [Point, Point, Point, Point, Point];

/** One face found by a detector. */
export interface DetectedFace {
  /** In image pixels (clipped to the image). */
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  /** Five alignment points when the detector gives them (SCRFD); UltraFace does not. */
  landmarks5?: FivePoints;
}

/** One face through the whole pipeline. */
export interface AnalyzedFace {
  box: Box;
  score: number;
  /** The five points the face was aligned with, in image pixels. */
  landmarks5: FivePoints;
  /** L2-normalised embedding (512 values for both known embedders). */
  embedding: Float32Array;
}

/** A face detector: an image in, faces (after score threshold and NMS) out. */
export interface FaceDetector {
  /** Whether its faces carry `landmarks5` (SCRFD), so that no landmark model is needed. */
  readonly givesLandmarks: boolean;
  detect(image: RgbImage): Promise<DetectedFace[]>;
  close(): Promise<void>;
}

/** Time spent per stage of one analysis, ms (wall clock of this thread). */
export interface AnalysisTimings {
  /** Detector: resize + inference + decoding + NMS. */
  detectMs: number;
  /** Landmarks + alignment + embedding, per face, in the order of the faces. */
  perFaceMs: number[];
}
