import type { RtpRingMemory } from '../../rtp/RtpRing.js';
import type { KeyframeReason, RemoteCandidate, ViewerAnswer, ViewerInfo } from '../SfuTypes.js';

/** What a viewer host tells the SFU on the main thread. */
export interface ViewerHostEvents {
  /** A viewer of `cameraId` needs an IDR. */
  keyframe(cameraId: string, reason: KeyframeReason): void;
  /** Fresh counters/state of viewers (on state changes and every second). */
  viewers(infos: ViewerInfo[]): void;
  /** A viewer closed (DELETE, failure, RTCP timeout). */
  viewerClosed(info: ViewerInfo): void;
}

/**
 * A set of viewers on one thread: the main thread ({@link ViewerHost}) or a worker thread
 * ({@link WorkerViewerHost}, same calls over `postMessage`). Cameras are shared rings.
 */
export interface ViewerHostPort {
  /** Thread number: 0 = main thread, n ≥ 1 = worker n. */
  readonly thread: number;
  /** Viewers currently on this host. */
  readonly viewerCount: number;
  addCamera(cameraId: string, memory: RtpRingMemory): void;
  removeCamera(cameraId: string): void;
  /**
   * @throws NotFoundError for an unknown camera; BadRequestError when the offer is rejected.
   */
  createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer & { info: ViewerInfo }>;
  /** @throws NotFoundError for an unknown viewer. */
  addCandidates(viewerId: string, candidates: RemoteCandidate[]): Promise<void>;
  closeViewer(viewerId: string): void;
  /** Closes every viewer and stops the thread. Idempotent. */
  close(): Promise<void>;
}
