import type { Logger } from 'pino';
import type { Analyzer, AnalyzerContext, AnalyzerProvider } from '../analyzerTypes.js';
import { HandInferenceWorker } from './HandInferenceWorker.js';
import { type GestureEvent, HandsAnalyzer } from './HandsAnalyzer.js';
import type { HandLandmarkModelName, HandsEntry, HandsRuntimeConfig } from './handsConfig.js';

/** Options of {@link HandsProvider.create}. */
export interface HandsProviderOptions {
  /** Folder relative model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** Server-wide settings (handsRuntimeSchema: the queue bound). */
  runtime: HandsRuntimeConfig;
  /** Landmark variants the configured cameras use (loaded at start; others on first use). */
  models: HandLandmarkModelName[];
  /** Gesture start / change / end of every camera (the server maps it to socket.io and gesture actions). */
  onGesture?: (event: GestureEvent) => void;
  /** The inference thread crashed (pending steps were rejected). */
  onExit?: (error: Error) => void;
}

/**
 * The `hands` analyzer type: one inference thread ({@link HandInferenceWorker}) shared by every
 * camera, and a {@link HandsAnalyzer} per camera entry.
 */
export class HandsProvider implements AnalyzerProvider<HandsEntry> {
  readonly type = 'hands';
  /** e.g. `tfjs:wasm-simd`. */
  readonly provider: string;
  /** Emitted by the server from `onGesture` (this provider emits nothing itself). */
  readonly events = ['gesture:detected', 'gesture:ended'] as const;
  readonly #worker: HandInferenceWorker;
  readonly #onGesture: ((event: GestureEvent) => void) | undefined;

  private constructor(worker: HandInferenceWorker, onGesture: ((event: GestureEvent) => void) | undefined) {
    this.#worker = worker;
    this.provider = worker.provider;
    this.#onGesture = onGesture;
  }

  /**
   * Starts the inference thread and loads the models.
   * @throws ModelFileError when a model file is missing or altered.
   */
  static async create(options: HandsProviderOptions): Promise<HandsProvider> {
    const worker = await HandInferenceWorker.create({
      root: options.root,
      logger: options.logger,
      models: [...new Set(options.models)],
      maxPending: options.runtime.maxPending,
      onExit: options.onExit,
    });
    return new HandsProvider(worker, options.onGesture);
  }

  /** Steps waiting for the inference thread. */
  get pending(): number {
    return this.#worker.pending;
  }

  /** A camera's analyzer. */
  create(entry: HandsEntry, context: AnalyzerContext): Analyzer & HandsAnalyzer {
    return new HandsAnalyzer({ entry, context, inference: this.#worker, onGesture: this.#onGesture });
  }

  /** Stops the inference thread. Idempotent. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
