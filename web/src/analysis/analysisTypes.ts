/**
 * Answers of the analysis routes as the page reads them (server/http/routers/analysisRouter.ts,
 * documented in server/http/openapiAnalysis.ts). Kept here, not imported, because the server's
 * analyzer types pull in Node-only modules the page's build must not see.
 */

/** One analyzer of a camera in `GET /api/analysis/status` (server/analysis/analyzerTypes.ts `AnalyzerStatus`). */
export interface AnalyzerStatusView {
  /** `faces`, `hands`, `objects`, `sky`. */
  type: string;
  /** What runs it: `onnxruntime:cpu`, `tfjs:wasm-simd`, `typescript`, … */
  provider: string;
  /** Configured analysis rate, frames/s. */
  fps: number;
  /** Frames analysed per second over the last ~5 s. */
  achievedFps: number;
  /** Frames analysed since start. */
  frames: number;
  /** Frames skipped because the previous one was still being analysed. */
  dropped: number;
  /** Median time per analysed frame, ms. */
  msMedian: number;
  /** Detections in the last analysed frame. */
  detections: number;
  /** objects: `{counts: {class: n}}`; sky: `{brightness 0..255, color '#rrggbb', cloudCover 0..1}`; hands: per gesture. */
  summary?: Record<string, unknown>;
}

/** Body of `GET /api/analysis/status`. */
export interface AnalysisStatusView {
  cameras: { id: string; fps: number; analyzers: AnalyzerStatusView[] }[];
  /** Configured types that do not run, with why. */
  unavailable: { type: string; reason: string }[];
  /** Per analyzer type: whether its overlays are drawn. */
  overlays: Record<string, boolean>;
}

/** One hand of `GET /api/gestures/current`. */
export interface CurrentHandView {
  trackId: number | null;
  gesture: string;
  /** Gesture confidence 0..1. */
  score: number;
  handedness: 'left' | 'right';
  /** `[x, y, width, height]`, output px. */
  box: [number, number, number, number];
  /** When the gesture started, ms since the Unix epoch. */
  since: number;
  /** Whose hand, only for that wallet's own session and the operator; else null. */
  wallet: string | null;
}

/** Body of `GET /api/gestures/current`. */
export interface CurrentGesturesView {
  /** ms since the Unix epoch. */
  at: number;
  cameras: { id: string; running: boolean; hands: CurrentHandView[] }[];
}
