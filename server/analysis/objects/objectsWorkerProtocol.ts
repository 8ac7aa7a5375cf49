import type { WireError } from '../../../media/core/workerWire.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import type { DetectedObject } from './ObjectDetector.js';
import type { ObjectModelName } from './objectModels.js';

/** `workerData` of the objects inference thread (objectsThread.ts). */
export interface ObjectsWorkerData {
  /** Folder the model paths are resolved against (the project root). */
  root: string;
  /** Models loaded before `ready` (others load on first use). */
  models: ObjectModelName[];
  logLevel: string;
}

/** What one detection request asks. */
export interface DetectRequest {
  model: ObjectModelName;
  /** Least score, 0..1; the model's default when absent. */
  minScore?: number;
  /** Class names kept (all when absent). */
  classes?: string[];
}

/** Requests from the main thread; `id` pairs a request with its `result`. */
export type ToWorker =
  { op: 'detect'; id: number; image: RgbImage; request: DetectRequest } | { op: 'close'; id: number };

/** The answer to `detect`: objects in image px and the thread's time for it, ms. */
export interface DetectResult {
  objects: DetectedObject[];
  /** Resize + inference + decoding + NMS on the inference thread, ms. */
  ms: number;
}

/** Messages to the main thread. */
export type FromWorker =
  | { op: 'ready'; provider: string }
  | { op: 'failed'; error: WireError }
  | { op: 'result'; id: number; ok: true; value: DetectResult }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'closed'; id: number }
  | { op: 'log'; line: string };
