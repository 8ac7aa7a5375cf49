import type { WireError } from '../../media/core/workerWire.js';
import type { ExecutionProvider } from './OnnxSessionFactory.js';
import type { VisionConfig } from './visionConfig.js';
import type { AnalysisTimings, AnalyzedFace, Box, DetectedFace, FaceToEmbed, Point, RgbImage } from './visionTypes.js';

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
  | { op: 'detect'; id: number; image: RgbImage }
  | { op: 'embed'; id: number; image: RgbImage; face: FaceToEmbed }
  | { op: 'landmarks'; id: number; image: RgbImage; boxes: Box[] }
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
