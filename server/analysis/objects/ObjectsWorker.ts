import type { Logger } from 'pino';
import { InferenceThreadHost } from '../../../media/core/InferenceThreadHost.js';
import { assertRgbImage } from '../../vision/FaceAnalyzer.js';
import { VisionBusyError } from '../../vision/VisionBusyError.js';
import type { RgbImage } from '../../vision/visionTypes.js';
import type { ObjectModelName } from './objectModels.js';
import type { DetectRequest, DetectResult, ObjectsWorkerData, ToWorker } from './objectsWorkerProtocol.js';

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
  readonly #host: InferenceThreadHost<{ provider: string }>;

  private constructor(host: InferenceThreadHost<{ provider: string }>) {
    this.#host = host;
    this.provider = host.ready.provider;
  }

  /**
   * Starts the thread and waits until the models in `options.models` are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(options: ObjectsWorkerOptions): Promise<ObjectsWorker> {
    const logger = options.logger.child({ module: 'objects' });
    const workerData: ObjectsWorkerData = { root: options.root, models: options.models, logLevel: logger.level };
    const host = await InferenceThreadHost.start<{ provider: string }>({
      from: import.meta.url,
      entry: 'objectsThread',
      name: 'objects',
      workerData,
      logger,
      maxPending: options.maxPending,
      busy: (pending) => new VisionBusyError(`${pending} object detections already pending`),
      onExit: options.onExit,
    });
    return new ObjectsWorker(host);
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#host.pending;
  }

  /**
   * The objects in `image` (boxes in its pixels, best score first) and the thread's time.
   * Rejects at once with VisionBusyError when `maxPending` requests already wait,
   * InvalidStateError when closed or crashed, TypeError for a malformed image.
   */
  detect(image: RgbImage, request: DetectRequest): Promise<DetectResult> {
    try {
      assertRgbImage(image);
    } catch (error) {
      return Promise.reject(error);
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
    return this.#host.request<DetectResult>(
      (id) => ({ op: 'detect', id, image: wire, request: wireRequest }) satisfies ToWorker,
    );
  }

  /** Lets queued requests finish, releases the models and stops the thread. Idempotent. */
  close(): Promise<void> {
    return this.#host.close();
  }
}
