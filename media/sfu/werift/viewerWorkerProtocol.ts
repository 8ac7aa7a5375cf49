import type { WireError } from '../../core/workerWire.js';
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

/** Messages to the main thread. */
export type FromWorker =
  | { op: 'result'; id: number; ok: true; value: unknown }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'keyframe'; cameraId: string; reason: KeyframeReason }
  | { op: 'viewers'; infos: ViewerInfo[] }
  | { op: 'viewerClosed'; info: ViewerInfo }
  | { op: 'log'; line: string };
