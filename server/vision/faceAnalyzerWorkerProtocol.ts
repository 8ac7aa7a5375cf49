import { BadRequestError, InvalidStateError } from '../../media/core/errors.js';
import type { ExecutionProvider } from './OnnxSessionFactory.js';
import type { VisionConfig } from './visionConfig.js';
import type { AnalysisTimings, AnalyzedFace, DetectedFace, FaceToEmbed, RgbImage } from './visionTypes.js';

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
  | { op: 'close'; id: number };

/** What each request answers. */
export interface WorkerResults {
  analyze: { faces: AnalyzedFace[]; timings: AnalysisTimings };
  detect: DetectedFace[];
  embed: Float32Array;
}

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  field?: string;
}

/** Messages to the main thread. */
export type FromWorker =
  | { op: 'ready'; providers: Partial<Record<'detector' | 'landmarks' | 'embedder', ExecutionProvider>> }
  | { op: 'failed'; error: WireError }
  | { op: 'result'; id: number; ok: true; value: WorkerResults[keyof WorkerResults] }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'closed'; id: number }
  | { op: 'log'; line: string };

/** Flattens an error for `postMessage`, keeping its class name and field. */
export function toWireError(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, field: e instanceof BadRequestError ? e.field : undefined };
}

/** Rebuilds the error on the receiving thread (the classes callers test for; others keep their name). */
export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case 'BadRequestError':
      return new BadRequestError(wire.message, wire.field);
    case 'InvalidStateError':
      return new InvalidStateError(wire.message);
    case 'TypeError':
      return new TypeError(wire.message);
    default: {
      const error = new Error(wire.message);
      error.name = wire.name;
      return error;
    }
  }
}
