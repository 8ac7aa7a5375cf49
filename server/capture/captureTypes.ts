import type { HelloData, RecordingEvent, RecordingResult } from '../../media/camerad/CameradProtocol.js';
import type { CameradState } from '../../media/camerad/CameradSupervisorTypes.js';
import type { GrabbedFrame, GrabOptions } from '../../media/camera/CameraTypes.js';

/** What a media item is. */
export type MediaKind = 'photo' | 'video';

/**
 * Where a media item stands: `recording` (camerad is writing it), `complete`, `interrupted`
 * (camerad or the server stopped during the recording; the file keeps every complete fragment),
 * `failed` (the recording failed on its own, e.g. the disk filled up; `error` says why).
 */
export type MediaStatus = 'recording' | 'complete' | 'interrupted' | 'failed';

/** A face in the picture when a photo was taken. */
export interface FaceInPhoto {
  /** `[x, y, w, h]` in output pixels. */
  box: [number, number, number, number];
  /** The recognised wallet when the person taking the photo may see it (their own; any for the operator). */
  wallet: string | null;
}

/** One photo or recording, as stored (times in ms since the Unix epoch). */
export interface MediaItem {
  /** 32 lowercase hex characters, made by the server. */
  id: string;
  kind: MediaKind;
  cameraId: string;
  /** The owner; null when taken with the deployment token (then only the operator sees it). */
  wallet: string | null;
  /** When the item was created (the request). */
  createdAt: number;
  /** Photo: capture time of the frame. Video: wall clock of the first written frame. */
  startedAt: number | null;
  /** Video: end of the last written frame; null while recording (and for photos). */
  stoppedAt: number | null;
  /** Video: frames written; null while recording or when unknown (interrupted). Photo: 1. */
  frames: number | null;
  /** File size, bytes; null while recording. */
  bytes: number | null;
  /** Picture size, px. */
  width: number | null;
  height: number | null;
  status: MediaStatus;
  /** Why a recording failed, was interrupted, or was stopped by the server (its wallet's byte quota). */
  error: string | null;
  /** Faces in frame when the photo was taken; null when face analysis was off (and for videos). */
  faces: FaceInPhoto[] | null;
  /** File path relative to `<dataDir>/media`: `<camera>/<id>.<jpg|mp4>`. */
  file: string;
}

/**
 * What capture needs of a camera (`media/camera/Camera.ts` has all of it; tests can pass a fake).
 * camerad restarts are watched (`onState`, `onRestarted`): a restart ends a recording.
 */
export interface CaptureCamera {
  readonly id: string;
  /** Output picture size, px. */
  readonly size: { width: number; height: number };
  /** camerad's pid, when one runs. */
  readonly pid: number | undefined;
  /** camerad's supervision state. */
  readonly state: CameradState;
  /** camerad's state changes. @returns a remover. */
  onState(listener: (state: CameradState) => void): () => void;
  /** Each camerad (re)connection's hello. @returns a remover. */
  onRestarted(listener: (hello: HelloData) => void): () => void;
  /** @throws InvalidStateError when camerad is not connected; CameradError `busy`. */
  grab(options: GrabOptions): Promise<GrabbedFrame>;
  /** @throws CameradError `busy` (already recording), `bad_request`; InvalidStateError. */
  startRecording(path: string, opts?: { fragmentMs?: number }): Promise<{ path: string; fragment_ms: number }>;
  /** @throws CameradError `not_recording`; InvalidStateError. */
  stopRecording(): Promise<RecordingResult>;
  onRecording(listener: (event: RecordingEvent) => void): () => void;
}

/** Who asks: a wallet's session, or the operator by the deployment token (wallet null). */
export interface MediaCaller {
  wallet: string | null;
  operator: boolean;
}
