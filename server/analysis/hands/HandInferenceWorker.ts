import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidStateError } from '../../../media/core/errors.js';
import { PendingRequests } from '../../../media/core/PendingRequests.js';
import { forwardWorkerLog, fromWireError, startModuleWorker } from '../../../media/core/workerWire.js';
import { VisionBusyError } from '../../vision/VisionBusyError.js';
import type { HandLandmarkModelName } from './handsConfig.js';
import type {
  FromHandWorker,
  HandInferenceWorkerData,
  HandStepRequest,
  HandStepResult,
  ToHandWorker,
} from './handInferenceProtocol.js';

/** How long `close()` waits for the thread to release its models before terminating it, ms. */
const CLOSE_TIMEOUT_MS = 5000;

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
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #pending = new PendingRequests();
  readonly #exited: Promise<void>;
  #closed = false;
  #exitError: Error | undefined;
  #onCrash: ((error: Error) => void) | undefined;
  #closeWaiter: (() => void) | undefined;

  private constructor(worker: Worker, provider: string, logger: Logger, maxPending: number, exited: Promise<void>) {
    this.#worker = worker;
    this.provider = provider;
    this.#logger = logger;
    this.#maxPending = maxPending;
    this.#exited = exited;
  }

  /**
   * Starts the thread and waits until its models are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(options: HandInferenceWorkerOptions): Promise<HandInferenceWorker> {
    const logger = options.logger.child({ module: 'hands' });
    const workerData: HandInferenceWorkerData = {
      root: options.root,
      models: options.models,
      logLevel: logger.level,
    };
    const worker = startModuleWorker(import.meta.url, 'handInferenceThread', { workerData, name: 'hands' });
    const started: { host?: HandInferenceWorker } = {};
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (started.host) started.host.#onExit(code);
        resolve();
      });
    });
    const provider = await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: FromHandWorker) => {
        if (message.op === 'log') forwardWorkerLog(logger, message.line, 'the hands worker');
        else if (message.op === 'ready') resolve(message.provider);
        else if (message.op === 'failed') reject(fromWireError(message.error));
      });
      worker.once('exit', (code) => reject(new Error(`hands worker exited during start (code ${code})`)));
      worker.on('error', (error) => reject(error));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    const host = new HandInferenceWorker(worker, provider, logger, options.maxPending, exited);
    started.host = host;
    worker.on('message', (message: FromHandWorker) => host.#onMessage(message));
    worker.on('error', (error) => logger.error({ err: error }, 'hands worker failed'));
    host.#onCrash = options.onExit;
    return host;
  }

  /** Steps sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Runs one analysis step (see HandLandmarker.step) on the thread.
   * @throws VisionBusyError at once when `maxPending` steps already wait; InvalidStateError when
   * closed or crashed.
   */
  step(request: HandStepRequest): Promise<HandStepResult> {
    if (this.#closed || this.#exitError) {
      return Promise.reject(this.#exitError ?? new InvalidStateError('the hands worker is closed'));
    }
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new VisionBusyError(`${this.#pending.size} hand steps already pending`));
    }
    return this.#pending.add<HandStepResult>((id) => {
      this.#worker.postMessage({ op: 'step', id, ...request } satisfies ToHandWorker);
    });
  }

  /** Lets queued steps finish, releases the models and stops the thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (!this.#exitError) {
      const closed = new Promise<void>((resolve) => {
        this.#closeWaiter = resolve;
        this.#worker.postMessage({ op: 'close', id: 0 } satisfies ToHandWorker);
      });
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
      await Promise.race([closed, timeout]);
    }
    await this.#worker.terminate();
    await this.#exited;
  }

  #onMessage(message: FromHandWorker): void {
    switch (message.op) {
      case 'result':
        this.#pending.settle(message);
        break;
      case 'closed':
        this.#closeWaiter?.();
        break;
      case 'log':
        forwardWorkerLog(this.#logger, message.line, 'the hands worker');
        break;
      case 'ready':
      case 'failed':
        break;
    }
  }

  #onExit(code: number): void {
    const error = new InvalidStateError(`the hands worker exited (code ${code})`);
    this.#pending.failAll(error);
    this.#closeWaiter?.();
    if (!this.#closed) {
      this.#exitError = error;
      this.#logger.error({ code }, 'hands worker exited');
      this.#onCrash?.(error);
    }
  }
}
