import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidStateError } from '../../../media/core/errors.js';
import { PendingRequests } from '../../../media/core/PendingRequests.js';
import { forwardWorkerLog, fromWireError, startModuleWorker } from '../../../media/core/workerWire.js';
import { assertRgbImage } from '../../vision/FaceAnalyzer.js';
import { VisionBusyError } from '../../vision/VisionBusyError.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import type { ObjectModelName } from './objectModels.js';
import type { DetectRequest, DetectResult, FromWorker, ObjectsWorkerData, ToWorker } from './objectsWorkerProtocol.js';

/** How long `close()` waits for the thread to release its models before terminating it, ms. */
const CLOSE_TIMEOUT_MS = 5000;

export interface ObjectsWorkerOptions {
  /** Folder the model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** Requests of all cameras waiting at once; one more rejects with VisionBusyError (config `maxPending`). */
  maxPending: number;
  /** Models to load before `create` resolves (others load on first use); may be empty. */
  models: ObjectModelName[];
  /** Called when the thread stops without `close()` (a crash); pending requests are rejected first. */
  onExit?: (error: Error) => void;
}

/**
 * The objects inference thread, shared by every camera's {@link ObjectsAnalyzer}: TF.js WASM
 * inference (synchronous inside the thread) never blocks the server's event loop. Requests run
 * one at a time in order; at most `maxPending` wait, and one more fails at once with
 * {@link VisionBusyError} (a live camera drops that frame rather than queueing it). The frame
 * crosses to the thread once per request (structured clone, about 0.3 ms for 768 × 576 RGB).
 */
export class ObjectsWorker {
  /** `tfjs:wasm-simd` (or `tfjs:wasm` without SIMD). */
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
   * Starts the thread and waits until the models in `options.models` are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(options: ObjectsWorkerOptions): Promise<ObjectsWorker> {
    if (!(Number.isInteger(options.maxPending) && options.maxPending >= 1)) {
      throw new TypeError('options.maxPending must be an integer ≥ 1');
    }
    const logger = options.logger.child({ module: 'objects' });
    const workerData: ObjectsWorkerData = {
      root: options.root,
      models: options.models,
      logLevel: logger.level,
    };
    const worker = startModuleWorker(import.meta.url, 'objectsThread', { workerData, name: 'objects' });
    const started: { host?: ObjectsWorker } = {};
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (started.host) started.host.#onExit(code);
        resolve();
      });
    });
    const provider = await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.op === 'log') forwardWorkerLog(logger, message.line, 'the objects worker');
        else if (message.op === 'ready') resolve(message.provider);
        else if (message.op === 'failed') reject(fromWireError(message.error));
      });
      worker.once('exit', (code) => reject(new Error(`objects worker exited during start (code ${code})`)));
      worker.on('error', (error) => reject(error));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    const host = new ObjectsWorker(worker, provider, logger, options.maxPending, exited);
    started.host = host;
    worker.on('message', (message: FromWorker) => host.#onMessage(message));
    worker.on('error', (error) => logger.error({ err: error }, 'objects worker failed'));
    host.#onCrash = options.onExit;
    return host;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * The objects in `image` (boxes in its pixels, best score first) and the thread's time.
   * Rejects at once with VisionBusyError when `maxPending` requests already wait,
   * InvalidStateError when closed or crashed, TypeError for a malformed image.
   */
  detect(image: RgbImage, request: DetectRequest): Promise<DetectResult> {
    if (this.#closed || this.#exitError) {
      return Promise.reject(this.#exitError ?? new InvalidStateError('the objects worker is closed'));
    }
    try {
      assertRgbImage(image);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new VisionBusyError(`${this.#pending.size} object detections already pending`));
    }
    // A view on a larger buffer (a pooled Buffer) would clone that whole buffer: copy the view.
    const { data } = image;
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const wire: RgbImage = {
      width: image.width,
      height: image.height,
      stride: image.stride,
      data: whole ? data : data.slice(),
    };
    const wireRequest: DetectRequest = { model: request.model, minScore: request.minScore, classes: request.classes };
    return this.#pending.add<DetectResult>((id) => {
      this.#worker.postMessage({ op: 'detect', id, image: wire, request: wireRequest } satisfies ToWorker);
    });
  }

  /** Lets queued requests finish, releases the models and stops the thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (!this.#exitError) {
      const closed = new Promise<void>((resolve) => {
        this.#closeWaiter = resolve;
        this.#worker.postMessage({ op: 'close', id: 0 } satisfies ToWorker);
      });
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
      await Promise.race([closed, timeout]);
    }
    await this.#worker.terminate();
    await this.#exited;
  }

  #onMessage(message: FromWorker): void {
    switch (message.op) {
      case 'result':
        this.#pending.settle(message);
        break;
      case 'closed':
        this.#closeWaiter?.();
        break;
      case 'log':
        forwardWorkerLog(this.#logger, message.line, 'the objects worker');
        break;
      case 'ready':
      case 'failed':
        break;
    }
  }

  #onExit(code: number): void {
    const error = new InvalidStateError(`the objects worker exited (code ${code})`);
    this.#pending.failAll(error);
    this.#closeWaiter?.();
    if (!this.#exitError && !this.#closed) {
      this.#exitError = error;
      this.#logger.error({ code }, 'objects worker exited');
      this.#onCrash?.(error);
    }
  }
}
