import { BadRequestError, InvalidStateError, NotFoundError, UnsupportedError } from '../../core/errors.js';
import type { RtpRingMemory } from '../../rtp/RtpRing.js';
import type { KeyframeReason, RemoteCandidate, SfuNetworkOptions, ViewerInfo } from '../SfuTypes.js';

/** `workerData` of a viewer worker. */
export interface ViewerWorkerData {
  thread: number;
  network: SfuNetworkOptions;
  logLevel: string;
}

/** Requests from the main thread; `id` pairs a request with its `result`. */
export type ToWorker =
  | { op: 'addCamera'; cameraId: string; memory: RtpRingMemory }
  | { op: 'removeCamera'; cameraId: string }
  | { op: 'createViewer'; id: number; cameraId: string; offerSdp: string }
  | { op: 'addCandidates'; id: number; viewerId: string; candidates: RemoteCandidate[] }
  | { op: 'closeViewer'; viewerId: string }
  | { op: 'close'; id: number };

/** An error as it crosses the thread boundary. */
export interface WireError {
  name: string;
  message: string;
  field?: string;
}

/** Messages to the main thread. */
export type FromWorker =
  | { op: 'result'; id: number; ok: true; value: unknown }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'keyframe'; cameraId: string; reason: KeyframeReason }
  | { op: 'viewers'; infos: ViewerInfo[] }
  | { op: 'viewerClosed'; info: ViewerInfo }
  | { op: 'log'; line: string };

/** Flattens an error for `postMessage`, keeping the class name and the offending field. */
export function toWireError(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, field: e instanceof BadRequestError ? e.field : undefined };
}

/** Rebuilds the named error class on the receiving thread (plain `Error` for unknown names). */
export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case 'BadRequestError':
      return new BadRequestError(wire.message, wire.field);
    case 'NotFoundError':
      return new NotFoundError(wire.message);
    case 'UnsupportedError':
      return new UnsupportedError(wire.message);
    case 'InvalidStateError':
      return new InvalidStateError(wire.message);
    default:
      return new Error(wire.message);
  }
}
