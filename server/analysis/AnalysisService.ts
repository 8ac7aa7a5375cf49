import type { Logger } from 'pino';
import type { OverlayItem } from '../../media/camerad/CameradProtocol.js';
import type { AnalyzerEntry } from './analyzersConfig.js';
import type { AnalyzerProvider, AnalyzerStatus, Detection } from './analyzerTypes.js';
import { AnalysisScheduler, type AnalysisSource } from './AnalysisScheduler.js';
import { AnalyzerSlot } from './AnalyzerSlot.js';
import type { ProviderDeps, ProviderFactory } from './analyzerRegistry.js';

/** What the analysis needs of a camera (media/camera/Camera.ts). */
export interface AnalysisCamera extends AnalysisSource {
  readonly size: { width: number; height: number };
  setOverlays(items: OverlayItem[], options: { layer: string }): Promise<unknown>;
}

/** `/api/analysis/status`. */
export interface AnalysisStatus {
  cameras: {
    id: string;
    /** The rate camerad sends analysis frames at (the highest of the camera's analyzers), frames/s. */
    fps: number;
    analyzers: AnalyzerStatus[];
  }[];
  /** Configured analyzer types that do not run, with why (models missing, faces off, …). */
  unavailable: { type: string; reason: string }[];
}

/**
 * Every camera's analyzers: builds each configured type's provider once (a type that cannot load
 * is logged, listed as unavailable and skipped; the rest run), one {@link AnalysisScheduler}
 * per camera, the operator's overlay switches per type, and the status figures.
 */
export class AnalysisService {
  readonly #schedulers: Map<string, AnalysisScheduler>;
  readonly #providers: AnalyzerProvider<never>[];
  readonly #unavailable: { type: string; reason: string }[];
  readonly #overlaysOff: Set<string>;
  readonly #cameras: ReadonlyMap<string, AnalysisCamera>;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  private constructor(
    schedulers: Map<string, AnalysisScheduler>,
    providers: AnalyzerProvider<never>[],
    unavailable: { type: string; reason: string }[],
    overlaysOff: Set<string>,
    cameras: ReadonlyMap<string, AnalysisCamera>,
    logger: Logger,
  ) {
    this.#schedulers = schedulers;
    this.#providers = providers;
    this.#unavailable = unavailable;
    this.#overlaysOff = overlaysOff;
    this.#cameras = cameras;
    this.#logger = logger;
  }

  /**
   * Builds the providers the cameras' entries need and the per-camera analyzers.
   * @param analyzers each camera's entries (`cameras[].analyzers`).
   * @param registry type → provider factory (server/analysis/analyzerRegistry.ts).
   */
  static async create(opts: {
    cameras: ReadonlyMap<string, AnalysisCamera>;
    analyzers: ReadonlyMap<string, readonly AnalyzerEntry[]>;
    registry: Record<string, ProviderFactory>;
    deps: ProviderDeps;
    logger: Logger;
    /** Each analysed frame's detections by camera and type (events and actions built on them). */
    onResult?: (cameraId: string, type: string, detections: readonly Detection[], atMs: number) => void;
  }): Promise<AnalysisService> {
    const logger = opts.logger.child({ module: 'analysis' });
    const types = new Set([...opts.analyzers.values()].flatMap((list) => list.map((a) => a.type)));
    const providers = new Map<string, AnalyzerProvider<never>>();
    const unavailable: { type: string; reason: string }[] = [];
    for (const type of types) {
      try {
        providers.set(type, await opts.registry[type]!(opts.deps));
      } catch (error) {
        const reason = (error as Error).message;
        unavailable.push({ type, reason });
        if (type !== 'faces') logger.warn({ err: error, analyzer: type }, `analyzer ${type} off: ${reason}`);
      }
    }
    const overlaysOff = new Set<string>();
    const schedulers = new Map<string, AnalysisScheduler>();
    const service = new AnalysisService(
      schedulers,
      [...providers.values()],
      unavailable,
      overlaysOff,
      opts.cameras,
      logger,
    );
    for (const [cameraId, camera] of opts.cameras) {
      const cameraLogger = logger.child({ camera: cameraId });
      const slots: AnalyzerSlot[] = [];
      for (const entry of opts.analyzers.get(cameraId) ?? []) {
        const provider = providers.get(entry.type);
        if (!provider) continue;
        const typed = entry as never;
        const analyzer = provider.create(typed, {
          cameraId,
          output: camera.size,
          overlays: (items) => service.#draw(cameraId, entry.type, items),
          peers: (kind) => schedulers.get(cameraId)?.detections(kind) ?? [],
          logger: cameraLogger.child({ analyzer: entry.type }),
        });
        const fps = provider.fpsOf?.(typed) ?? (entry as { fps: number }).fps;
        slots.push(
          new AnalyzerSlot(analyzer, provider.provider, fps, cameraLogger, {
            onResult: (detections, at) => opts.onResult?.(cameraId, entry.type, detections, at),
          }),
        );
      }
      schedulers.set(cameraId, new AnalysisScheduler({ cameraId, source: camera, slots, logger: cameraLogger }));
    }
    return service;
  }

  /** Starts every camera's analysis frames. */
  async start(): Promise<void> {
    await Promise.all([...this.#schedulers.values()].map((s) => s.start()));
    const running = Object.fromEntries(
      [...this.#schedulers].map(([id, s]) => [id, s.slots.map((slot) => `${slot.analyzer.type}@${slot.fps}fps`)]),
    );
    this.#logger.info({ cameras: running, unavailable: this.#unavailable.map((u) => u.type) }, 'analysis started');
  }

  /** The latest detections of `kind` on a camera ([] for an unknown camera or an analyzer it lacks). */
  detections(cameraId: string, kind: Detection['kind']): readonly Detection[] {
    return this.#schedulers.get(cameraId)?.detections(kind) ?? [];
  }

  /** The public summary of a camera's analyzer of `type` (e.g. object counts), or undefined when it does not run there. */
  summary(cameraId: string, type: string): Record<string, unknown> | undefined {
    const slot = this.#schedulers.get(cameraId)?.slots.find((s) => s.analyzer.type === type);
    return slot ? (slot.analyzer.summary?.() ?? {}) : undefined;
  }

  /** Whether `type` runs on the camera. */
  runs(cameraId: string, type: string): boolean {
    return this.#schedulers.get(cameraId)?.slots.some((s) => s.analyzer.type === type) ?? false;
  }

  /** Whether an analyzer type's overlays are drawn (operator switch; on by default). */
  overlays(type: string): boolean {
    return !this.#overlaysOff.has(type);
  }

  /** Switches a type's overlays on every camera (off clears what is drawn now). */
  async setOverlays(type: string, enabled: boolean): Promise<void> {
    if (enabled) {
      this.#overlaysOff.delete(type);
      return;
    }
    this.#overlaysOff.add(type);
    await Promise.all(
      [...this.#cameras.values()].map((c) => c.setOverlays([], { layer: type }).catch(() => undefined)),
    );
  }

  /** Figures for `/api/analysis/status`. */
  status(): AnalysisStatus {
    return {
      cameras: [...this.#schedulers].map(([id, s]) => ({ id, fps: s.fps, analyzers: s.status() })),
      unavailable: this.#unavailable.map((u) => ({ ...u })),
    };
  }

  /** Stops every camera's analysis (frames in flight finish), then the providers' threads. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#schedulers.values()].map((s) => s.close()));
      await Promise.all(this.#providers.map((p) => p.close()));
    })();
    return this.#closing;
  }

  #draw(cameraId: string, layer: string, items: OverlayItem[]): void {
    if (this.#overlaysOff.has(layer) && items.length > 0) return;
    this.#cameras
      .get(cameraId)
      ?.setOverlays(items, { layer })
      .catch(() => undefined);
  }
}
