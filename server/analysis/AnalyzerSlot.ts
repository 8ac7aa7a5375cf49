import type { Logger } from 'pino';
import { VisionBusyError } from '../vision/VisionBusyError.js';
import type { Analyzer, AnalyzerStatus, Detection, OwnedAnalysisFrame } from './analyzerTypes.js';

/** Called by an {@link AnalyzerSlot} (errors thrown by a hook are the hook's: keep them from throwing). */
export interface SlotHooks {
  /** Each analysed frame's detections and its capture time, ms since the epoch. */
  onResult?: (detections: readonly Detection[], atMs: number) => void;
}

/** The window `achievedFps` and `msMedian` are computed over, ms. */
const WINDOW_MS = 5000;
/** Completions remembered for the window (30 fps × 5 s, with room). */
const MAX_SAMPLES = 256;

/**
 * One analyzer on one camera, as the {@link AnalysisScheduler} runs it: at most one frame in
 * flight (a frame that comes due while the analyzer is busy is dropped and counted, never
 * queued), its latest detections for its peers and the status figures.
 */
export class AnalyzerSlot {
  readonly analyzer: Analyzer;
  /** What runs its model (`AnalyzerStatus.provider`). */
  readonly provider: string;
  /** Configured rate, frames/s. */
  readonly fps: number;
  readonly #logger: Logger;
  #busy = false;
  #lastStartMs = Number.NEGATIVE_INFINITY;
  #latest: readonly Detection[] = [];
  #frames = 0;
  #dropped = 0;
  /** `[completed at (performance.now()), duration ms]`, oldest first. */
  readonly #samples: [number, number][] = [];
  #running: Promise<void> = Promise.resolve();

  readonly #hooks: SlotHooks;

  /**
   * @param fps configured rate, frames/s.
   * @param hooks what is built on the analyzer's results (GestureRelay, ObjectCountRelay).
   */
  constructor(analyzer: Analyzer, provider: string, fps: number, logger: Logger, hooks: SlotHooks = {}) {
    this.analyzer = analyzer;
    this.provider = provider;
    this.fps = fps;
    this.#logger = logger;
    this.#hooks = hooks;
  }

  /** Detections of the last analysed frame, output px. */
  get latest(): readonly Detection[] {
    return this.#latest;
  }

  /** Whether a frame captured at `captureTimeMs` is due: a frame interval (less `slackMs`) since the last one started. */
  due(captureTimeMs: number, slackMs: number): boolean {
    return captureTimeMs - this.#lastStartMs >= 1000 / this.fps - slackMs;
  }

  /**
   * Starts analysing the frame `take()` gives unless a frame is still in flight (then the frame
   * is dropped and counted, and `take` is not called). Never throws; failures are logged, busy
   * inference queues counted as drops.
   * @returns whether the frame was taken.
   */
  offer(take: () => OwnedAnalysisFrame): boolean {
    if (this.#busy) {
      this.#dropped += 1;
      return false;
    }
    const frame = take();
    this.#busy = true;
    this.#lastStartMs = frame.captureTimeMs;
    const started = performance.now();
    this.#running = this.analyzer
      .analyze(frame)
      .then((detections) => {
        this.#latest = detections;
        this.#frames += 1;
        this.#hooks.onResult?.(detections, frame.captureTimeMs);
        const now = performance.now();
        this.#samples.push([now, now - started]);
        if (this.#samples.length > MAX_SAMPLES) this.#samples.shift();
      })
      .catch((error: unknown) => {
        if (error instanceof VisionBusyError) this.#dropped += 1;
        else this.#logger.warn({ err: error, analyzer: this.analyzer.type }, 'analysis failed');
      })
      .finally(() => {
        this.#busy = false;
      });
    return true;
  }

  /** Resolves when the frame in flight (if any) is done. */
  settled(): Promise<void> {
    return this.#running;
  }

  /** Forgets the latest detections and the analyzer's tracks. */
  reset(atMs: number): void {
    this.#latest = [];
    this.analyzer.reset(atMs);
  }

  /** Figures for `/api/analysis/status`. */
  status(): AnalyzerStatus {
    const now = performance.now();
    const recent = this.#samples.filter(([at]) => now - at <= WINDOW_MS);
    const durations = recent.map(([, ms]) => ms).sort((a, b) => a - b);
    const median = durations.length === 0 ? 0 : durations[Math.floor(durations.length / 2)]!;
    return {
      type: this.analyzer.type,
      provider: this.provider,
      fps: this.fps,
      achievedFps: Math.round((recent.length / (WINDOW_MS / 1000)) * 10) / 10,
      frames: this.#frames,
      dropped: this.#dropped,
      msMedian: Math.round(median * 10) / 10,
      detections: this.#latest.length,
      ...(this.analyzer.summary ? { summary: this.analyzer.summary() } : {}),
    };
  }
}
