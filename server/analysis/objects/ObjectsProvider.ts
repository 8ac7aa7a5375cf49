import type { Logger } from 'pino';
import type { AnalyzerContext, AnalyzerProvider } from '../analyzerTypes.js';
import { ObjectsAnalyzer, type ObjectCountsEvent } from './ObjectsAnalyzer.js';
import type { ObjectsEntry, ObjectsInferenceConfig } from './objectsConfig.js';
import type { ObjectModelName } from './objectModels.js';
import { ObjectsWorker } from './ObjectsWorker.js';

export interface ObjectsProviderOptions {
  /** Folder the model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** The server-wide slice (objectsConfig.ts `objectsInferenceSchema`). */
  config: ObjectsInferenceConfig;
  /** Models the configured entries use, loaded at start (others load on first use). */
  models: ObjectModelName[];
  /** Given to every camera's analyzer: called when a count changes (wire to `object:*` events). */
  onCounts?: (event: ObjectCountsEvent) => void;
  /** Called when the inference thread crashes. */
  onExit?: (error: Error) => void;
}

/**
 * The `objects` analyzer type: one inference thread ({@link ObjectsWorker}) shared by every
 * camera, one {@link ObjectsAnalyzer} per camera entry.
 */
export class ObjectsProvider implements AnalyzerProvider<ObjectsEntry> {
  readonly type = 'objects';
  readonly provider: string;
  readonly events = ['object:counts'] as const;
  readonly #worker: ObjectsWorker;
  readonly #onCounts: ((event: ObjectCountsEvent) => void) | undefined;

  private constructor(worker: ObjectsWorker, onCounts?: (event: ObjectCountsEvent) => void) {
    this.#worker = worker;
    this.provider = worker.provider;
    this.#onCounts = onCounts;
  }

  /**
   * Starts the inference thread and loads `options.models`.
   * @throws ModelFileError when a model file is missing or altered (scripts/install-models.sh).
   */
  static async create(options: ObjectsProviderOptions): Promise<ObjectsProvider> {
    const worker = await ObjectsWorker.create({
      root: options.root,
      logger: options.logger,
      maxPending: options.config.maxPending,
      models: options.models,
      onExit: options.onExit,
    });
    return new ObjectsProvider(worker, options.onCounts);
  }

  /** The analyzer of one camera's entry. */
  create(entry: ObjectsEntry, context: AnalyzerContext): ObjectsAnalyzer {
    return new ObjectsAnalyzer(entry, context, {
      detect: (image, request) => this.#worker.detect(image, request),
      onCounts: this.#onCounts,
    });
  }

  /** Stops the inference thread. Idempotent. */
  close(): Promise<void> {
    return this.#worker.close();
  }
}
