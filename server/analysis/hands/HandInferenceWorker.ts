import type { Logger } from 'pino';
import { InferenceThreadHost } from '../../../media/core/InferenceThreadHost.js';
import { VisionBusyError } from '../../vision/VisionBusyError.js';
import type { HandLandmarkModelName } from './handsConfig.js';
import type {
  HandInferenceWorkerData,
  HandStepRequest,
  HandStepResult,
  ToHandWorker,
} from './handInferenceProtocol.js';

/** Options of {@link HandInferenceWorker.create}. */
export interface HandInferenceWorkerOptions {
  /** Folder relative model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** Landmark variants to load at start (the cameras' `model`s); others load on first use. */
  models: HandLandmarkModelName[];
  /** Steps waiting, all cameras together; one more fails at once with VisionBusyError. */
  maxPending: number;
  /** Called when the thread stops without `close()` (a crash); pending steps are rejected first. */
  onExit?: (error: Error) => void;
}

/**
 * The hands inference thread shared by every camera's {@link HandsAnalyzer}: TF.js WASM runs
 * models synchronously, so it must not run on the server's event loop. One request per analysis
 * step (the frame crosses once, every tracked hand and the detector in it); steps run in order;
 * at most `maxPending` wait and one more is refused at once with {@link VisionBusyError} (the
 * camera drops that frame). The frame is copied to the thread (about 0.1 ms for 640 × 360).
 */
export class HandInferenceWorker {
  /** e.g. `tfjs:wasm-simd`. */
  readonly provider: string;
  readonly #host: InferenceThreadHost<{ provider: string }>;

  private constructor(host: InferenceThreadHost<{ provider: string }>) {
    this.#host = host;
    this.provider = host.ready.provider;
  }

  /**
   * Starts the thread and waits until its models are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(options: HandInferenceWorkerOptions): Promise<HandInferenceWorker> {
    const logger = options.logger.child({ module: 'hands' });
    const workerData: HandInferenceWorkerData = { root: options.root, models: options.models, logLevel: logger.level };
    const host = await InferenceThreadHost.start<{ provider: string }>({
      from: import.meta.url,
      entry: 'handInferenceThread',
      name: 'hands',
      workerData,
      logger,
      maxPending: options.maxPending,
      busy: (pending) => new VisionBusyError(`${pending} hand steps already pending`),
      onExit: options.onExit,
    });
    return new HandInferenceWorker(host);
  }

  /** Steps sent and not yet answered. */
  get pending(): number {
    return this.#host.pending;
  }

  /**
   * Runs one analysis step (see HandLandmarker.step) on the thread.
   * @throws VisionBusyError at once when `maxPending` steps already wait; InvalidStateError when
   * closed or crashed.
   */
  step(request: HandStepRequest): Promise<HandStepResult> {
    return this.#host.request<HandStepResult>((id) => ({ op: 'step', id, ...request }) satisfies ToHandWorker);
  }

  /** Lets queued steps finish, releases the models and stops the thread. Idempotent. */
  close(): Promise<void> {
    return this.#host.close();
  }
}
