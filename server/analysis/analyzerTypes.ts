import type { Logger } from 'pino';
import type { AnalysisFrame } from '../../media/camera/CameraTypes.js';
import type { OverlayItem } from '../../media/camerad/CameradProtocol.js';

/**
 * The analyzer contract (docs/analyzers.md, "Write an analyzer"). An analyzer is configured per
 * camera by its `type` (`cameras[].analyzers: [{ type, fps, … }]`, like Frigate's detectors),
 * receives that camera's analysis frames at its own rate, returns typed detections in the
 * camera's output pixels, draws into its own camerad overlay layer and emits the socket.io events
 * it declares. The {@link AnalysisScheduler} gives each analyzer at most one frame in flight, so
 * a slow analyzer skips frames instead of queueing them or delaying another analyzer or the video.
 */

/**
 * An analysis frame the analyzer may keep until its `analyze` settles (a copy of camerad's, which
 * is only valid during the callback). One copy is shared by every analyzer that takes the step:
 * read it, never write it or transfer its buffer to a worker (posting it copies it).
 */
export type OwnedAnalysisFrame = Omit<AnalysisFrame, 'rgb' | 'data'> & { rgb: Buffer; data: Buffer };

/** `[x, y, width, height]` in the camera's output pixels (camerad's `--width`/`--height`). */
export type OutputBox = [number, number, number, number];

/** Fields every detection has. */
interface DetectionBase {
  /** Where, output px. */
  box: OutputBox;
  /** Model confidence 0..1 (1 for measured, model-free results such as sky). */
  score: number;
  /** Stable per camera while the object stays in view; absent for untracked results. */
  trackId?: number;
}

/** A face (faces analyzer). `wallet` is identity: only for callers who may see it. */
export interface FaceDetection extends DetectionBase {
  kind: 'face';
  /** The recognised checked-in wallet, or null (unknown / not yet recognised). */
  wallet: string | null;
  /** Cosine similarity of the match, -1..1, or null. */
  similarity: number | null;
}

/** A hand with its 21 MediaPipe landmarks and its gesture (hands analyzer). */
export interface HandDetection extends DetectionBase {
  kind: 'hand';
  /** 21 points `[x, y]`, output px, in MediaPipe Hands order (0 wrist, 4 thumb tip, 8 index tip, …). */
  keypoints: [number, number][];
  /** The classified gesture (`none` when the hand makes none of the known ones). */
  label: string;
  /** Gesture confidence 0..1. */
  gestureScore: number;
  /** `left` or `right` as the model sees it. */
  handedness: 'left' | 'right';
  /** Since when the current gesture is held, ms since the Unix epoch (capture time). */
  since: number;
}

/** A COCO object (objects analyzer). */
export interface ObjectDetection extends DetectionBase {
  kind: 'object';
  /** COCO class name, e.g. `person`, `car`. */
  label: string;
  /**
   * A person track's identity, carried between face looks: the wallet of the last recognised face
   * seen inside this track's box (faces and objects on one camera), else null. Identity: the
   * server's own use (hand owners); events and counts never carry it.
   */
  wallet?: string | null;
}

/** Sky measurements over the configured region (sky analyzer). */
export interface SkyDetection extends DetectionBase {
  kind: 'sky';
  /** Mean luma 0..255 (BT.601). */
  brightness: number;
  /** Mean colour `#rrggbb`. */
  color: string;
  /** Estimated cloud cover 0..1 (share of low-saturation bright pixels; docs/analyzers.md). */
  cloudCover: number;
}

/** One detection, typed by `kind`. */
export type Detection = FaceDetection | HandDetection | ObjectDetection | SkyDetection;

/** What the server gives an analyzer for one camera. */
export interface AnalyzerContext {
  cameraId: string;
  /** The camera's output size, px: detections and overlays are in these pixels. */
  output: { width: number; height: number };
  /**
   * Replaces this analyzer's overlay layer (its `type`) with `items` (`[]` clears it). Never
   * throws; does nothing while the operator has overlays of this analyzer off.
   */
  overlays(items: OverlayItem[]): void;
  /** The latest detections of the camera's other analyzers (e.g. hands ask for faces). */
  peers(kind: Detection['kind']): readonly Detection[];
  logger: Logger;
}

/** Figures for `/api/analysis/status` and metrics. */
export interface AnalyzerStatus {
  type: string;
  /** What runs the model: `onnxruntime:cpu`, `tfjs:wasm-simd`, `typescript`, … */
  provider: string;
  /** Configured analysis rate, frames/s. */
  fps: number;
  /** Frames analysed per second over the last ~5 s. */
  achievedFps: number;
  /** Frames analysed since start. */
  frames: number;
  /** Frames skipped because the previous one was still being analysed (or the inference queue was full). */
  dropped: number;
  /** Median time per analysed frame over the last ~5 s, ms (queue wait included). */
  msMedian: number;
  /** Detections in the last analysed frame. */
  detections: number;
  /** The analyzer's public summary of the last analysed frame (Analyzer.summary), when it gives one. */
  summary?: Record<string, unknown>;
}

/** One camera's instance of an analyzer type. */
export interface Analyzer {
  readonly type: string;
  /**
   * Analyses one frame (owned: the analyzer may keep it until it resolves) and returns its
   * detections in output px; sends its overlays and events itself.
   * @throws VisionBusyError when its inference queue is full (the scheduler counts a drop).
   */
  analyze(frame: OwnedAnalysisFrame): Promise<Detection[]>;
  /** Forgets every track (source lost, analyzer stopped); clears its overlay layer. */
  reset(atMs: number): void;
  /**
   * A small public summary of the last analysed frame for `/api/analysis/status` (counts per
   * class, a sky reading): never identity.
   */
  summary?(): Record<string, unknown>;
}

/**
 * An analyzer type's server-wide part: loads its models once (e.g. an inference thread shared by
 * all cameras) and makes one {@link Analyzer} per camera that configures it.
 */
export interface AnalyzerProvider<Entry = unknown> {
  readonly type: string;
  /** `onnxruntime:cpu`, `tfjs:wasm-simd`, `typescript`, … */
  readonly provider: string;
  /** The socket.io events this type may emit (documented in server/events/EventCatalogue.ts). */
  readonly events: readonly string[];
  /** The entry's rate, frames/s, when it is not simply `entry.fps` (faces: `faces.analysisFps` by default). */
  fpsOf?(entry: Entry): number;
  create(entry: Entry, context: AnalyzerContext): Analyzer;
  /** Stops the inference thread(s). Idempotent. */
  close(): Promise<void>;
}
