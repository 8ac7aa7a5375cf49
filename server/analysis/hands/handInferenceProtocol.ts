import type { WireError } from '../../../media/core/workerWire.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import type { HandLandmarkModelName } from './handsConfig.js';
import type { HandLandmarks, HandRoi, HandTimings } from './handTypes.js';

/** `workerData` of the hands inference thread. */
export interface HandInferenceWorkerData {
  /** Folder relative model paths are resolved against. */
  root: string;
  /** Landmark variants loaded at start (others load on first use). */
  models: HandLandmarkModelName[];
  logLevel: string;
}

/**
 * One analysis step of one camera: landmarks in each tracked hand's ROI, then (when `detect`)
 * the palm detector for new hands not overlapping a hand found in a ROI. The frame crosses once.
 */
export interface HandStepRequest {
  image: RgbImage;
  model: HandLandmarkModelName;
  /** Tracked hands' ROIs for this frame, image px. */
  rois: HandRoi[];
  detect: boolean;
  /** New hands found at most: maxHands minus the hands found in `rois`. */
  maxHands: number;
  minDetectionScore: number;
  minPresenceScore: number;
}

/** What a step answers. */
export interface HandStepResult {
  /** Per entry of `rois`: the hand, or null when its presence fell below `minPresenceScore`. */
  tracked: (HandLandmarks | null)[];
  /** Hands the palm detector found that no ROI already held. */
  fresh: HandLandmarks[];
  /** Whether the palm detector ran. */
  detected: boolean;
  timings: HandTimings;
}

/** Requests from the main thread; `id` pairs a request with its `result`. */
export type ToHandWorker = ({ op: 'step'; id: number } & HandStepRequest) | { op: 'close'; id: number };

/** Messages to the main thread. */
export type FromHandWorker =
  | { op: 'ready'; provider: string }
  | { op: 'failed'; error: WireError }
  | { op: 'result'; id: number; ok: true; value: HandStepResult }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'closed'; id: number }
  | { op: 'log'; line: string };
