import type { WireError } from '../../media/core/workerWire.js';
import type { ExecutionProvider } from './visionConfig.js';
import type { VisionConfig } from './visionConfig.js';
import type { AnalysisTimings, AnalyzedFace, Box, DetectedFace, FaceToEmbed, Point, RgbImage } from './visionTypes.js';

/** The pixels of a request: sent with it, or a frame kept on the thread by an earlier `keep`. */
export type WireImage = { image: RgbImage } | { kept: number };

/** Frames the thread keeps at once (`keep`); the oldest is dropped beyond it (about 0.7 MB each at 640 × 360). */
export const MAX_KEPT_FRAMES = 16;

/** `workerData` of the inference thread. */
export interface FaceAnalyzerWorkerData {
  config: VisionConfig;
  /** Folder relative model paths are resolved against. */
  root: string;
  logLevel: string;
}

/** Requests from the main thread; `id` pairs a request with its `result`. */
export type ToWorker =
  | { op: 'analyze'; id: number; image: RgbImage }
  | ({ op: 'detect'; id: number } & WireImage)
  | ({ op: 'embed'; id: number; face: FaceToEmbed } & WireImage)
  | ({ op: 'landmarks'; id: number; boxes: Box[] } & WireImage)
  /** Keeps `image` as frame `kept` (no answer); `release` forgets it. */
  | { op: 'keep'; kept: number; image: RgbImage }
  | { op: 'release'; kept: number }
  | { op: 'close'; id: number };

/** What each request answers. */
export interface WorkerResults {
  analyze: { faces: AnalyzedFace[]; timings: AnalysisTimings };
  detect: DetectedFace[];
  embed: Float32Array;
  landmarks: Point[][];
}

/** Messages to the main thread. */
export type FromWorker =
  | { op: 'ready'; providers: Partial<Record<'detector' | 'landmarks' | 'embedder', ExecutionProvider>> }
  | { op: 'failed'; error: WireError }
  | { op: 'result'; id: number; ok: true; value: WorkerResults[keyof WorkerResults] }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'closed'; id: number }
  | { op: 'log'; line: string };
