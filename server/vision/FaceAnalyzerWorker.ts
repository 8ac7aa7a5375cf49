import './ortTelemetryOff.js';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidStateError } from '../../media/core/errors.js';
import { assertRgbImage, type FaceAnalyzerParts } from './FaceAnalyzer.js';
import {
  type FaceAnalyzerWorkerData,
  type FromWorker,
  type ToWorker,
  type WireImage,
  type WorkerResults,
} from './faceAnalyzerWorkerProtocol.js';
import { VisionBusyError } from './VisionBusyError.js';
import { PendingRequests } from '../../media/core/PendingRequests.js';
import { forwardWorkerLog, fromWireError, startModuleWorker } from '../../media/core/workerWire.js';
import type { VisionConfig } from './visionConfig.js';
import type { AnalyzedFace, Box, DetectedFace, FaceToEmbed, KeptFrame, Point, RgbImage } from './visionTypes.js';

/** How long `close()` waits for the thread to release its sessions before terminating it, ms. */
const CLOSE_TIMEOUT_MS = 5000;

export interface FaceAnalyzerWorkerOptions {
  /** Folder relative model paths are resolved against (the project root). */
  root: string;
  logger: Logger;
  /** Called when the thread stops without `close()` (a crash), with why; pending analyses are rejected first. */
  onExit?: (error: Error) => void;
}

export interface AnalyzeOptions {
  /**
   * Move `image.data`'s buffer to the inference thread instead of copying it (the caller's view
   * becomes empty). Only done when the view spans its whole ArrayBuffer; otherwise it is copied.
   */
  transfer?: boolean;
}

/**
 * A {@link FaceAnalyzer} on its own worker thread, so that inference (synchronous inside
 * onnxruntime-node) never blocks the server's event loop. Requests run one at a time in order;
 * at most `vision.worker.maxPending` wait, and one more fails at once with
 * {@link VisionBusyError} (a live camera drops that frame rather than queueing it). Its
 * `detect(image)` and `embed(image, face)` are what a per-track recogniser needs (detect every
 * analysed frame, embed a track's face now and then); `analyze(image)` does both for every face.
 * The image is copied to the thread (about 0.1 ms for 640 × 360) unless `transfer` is set.
 */
export class FaceAnalyzerWorker {
  readonly providers: FaceAnalyzerParts['providers'];
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #pending = new PendingRequests();
  readonly #exited: Promise<void>;
  #closed = false;
  /** The last kept frame's handle. */
  #keptCount = 0;
  /** Set when the thread stopped without close(). */
  #exitError: Error | undefined;
  #onCrash: ((error: Error) => void) | undefined;
  /** Resolves close()'s wait for the thread's 'closed'. */
  #closeWaiter: (() => void) | undefined;

  private constructor(
    worker: Worker,
    providers: FaceAnalyzerParts['providers'],
    logger: Logger,
    maxPending: number,
    exited: Promise<void>,
  ) {
    this.#worker = worker;
    this.providers = providers;
    this.#logger = logger;
    this.#maxPending = maxPending;
    this.#exited = exited;
  }

  /**
   * Starts the thread and waits until its models are loaded.
   * @throws the thread's error when a model cannot be loaded (e.g. ModelFileError).
   */
  static async create(config: VisionConfig, options: FaceAnalyzerWorkerOptions): Promise<FaceAnalyzerWorker> {
    const logger = options.logger.child({ module: 'vision' });
    const workerData: FaceAnalyzerWorkerData = { config, root: options.root, logLevel: logger.level };
    // Under tsx (tests, benches) this module is .ts and so is the worker; built, both are .js.
    const worker = startModuleWorker(import.meta.url, 'faceAnalyzerThread', { workerData, name: 'vision' });

    /** Set once the thread is ready; an exit before that fails the start instead. */
    const started: { host?: FaceAnalyzerWorker } = {};
    const log = (line: string): void => forwardWorkerLog(logger, line, 'the vision worker');
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (started.host) started.host.#onExit(code);
        resolve();
      });
    });
    const providers = await new Promise<FaceAnalyzerParts['providers']>((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        if (message.op === 'log') log(message.line);
        else if (message.op === 'ready') resolve(message.providers);
        else if (message.op === 'failed') reject(fromWireError(message.error));
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) => reject(new Error(`vision worker exited during start (code ${code})`)));
      // Errors thrown in the thread also arrive as 'failed' when they happen while loading.
      worker.on('error', (error) => reject(error));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    const host = new FaceAnalyzerWorker(worker, providers, logger, config.worker.maxPending, exited);
    started.host = host;
    worker.on('message', (message: FromWorker) => host.#onMessage(message));
    worker.on('error', (error) => logger.error({ err: error }, 'vision worker failed'));
    host.#onCrash = options.onExit;
    return host;
  }

  /** Analyses sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Every face in `image` with its embedding (see FaceAnalyzer.analyze). */
  async analyze(image: RgbImage, options: AnalyzeOptions = {}): Promise<AnalyzedFace[]> {
    return (await this.analyzeTimed(image, options)).faces;
  }

  /** {@link analyze} with the inference thread's stage timings. */
  analyzeTimed(image: RgbImage, options: AnalyzeOptions = {}): Promise<WorkerResults['analyze']> {
    return this.#request('analyze', image, options, (id, wire) => ({ op: 'analyze', id, image: wireImage(wire) }));
  }

  /**
   * Sends `image` to the inference thread once and keeps it there: `detect`, `embed` and
   * `landmarks` given the returned frame use it without sending the pixels again. The thread
   * keeps at most 16 frames (the oldest goes first); {@link release} each when done. Does not
   * count towards `maxPending` (it is a copy, not an inference).
   * @throws TypeError for a malformed image; InvalidStateError when closed or crashed.
   */
  keep(image: RgbImage): KeptFrame {
    if (this.#closed || this.#exitError) throw this.#exitError ?? new InvalidStateError('the vision worker is closed');
    assertRgbImage(image);
    const frame: KeptFrame = { kept: ++this.#keptCount, width: image.width, height: image.height };
    const { width, height, stride, data } = image;
    this.#worker.postMessage({
      op: 'keep',
      kept: frame.kept,
      image: { width, height, stride, data },
    } satisfies ToWorker);
    return frame;
  }

  /** Forgets a frame kept by {@link keep}. Idempotent; does nothing once closed. */
  release(frame: KeptFrame): void {
    if (this.#closed || this.#exitError) return;
    this.#worker.postMessage({ op: 'release', kept: frame.kept } satisfies ToWorker);
  }

  /** Only the detector (see FaceAnalyzer.detect). */
  detect(image: RgbImage | KeptFrame, options: AnalyzeOptions = {}): Promise<DetectedFace[]> {
    return this.#request('detect', image, options, (id, wire) => ({ op: 'detect', id, ...wire }));
  }

  /** The embedding of one face of `image` (see FaceAnalyzer.embed). */
  embed(image: RgbImage | KeptFrame, face: FaceToEmbed, options: AnalyzeOptions = {}): Promise<Float32Array> {
    // Only the fields the thread needs cross it (a tracker's Track carries more).
    const wireFace: FaceToEmbed = face.landmarks5 ? { box: face.box, landmarks5: face.landmarks5 } : { box: face.box };
    return this.#request('embed', image, options, (id, wire) => ({ op: 'embed', id, face: wireFace, ...wire }));
  }

  /** The 68 points of each face given by its box (see FaceAnalyzer.landmarks68). */
  landmarks(image: RgbImage | KeptFrame, boxes: readonly Box[], options: AnalyzeOptions = {}): Promise<Point[][]> {
    const wireBoxes = boxes.map((b) => [b[0], b[1], b[2], b[3]] as const);
    return this.#request('landmarks', image, options, (id, wire) => ({
      op: 'landmarks',
      id,
      boxes: wireBoxes,
      ...wire,
    }));
  }

  /**
   * Sends one request. Rejects at once with VisionBusyError when `maxPending` are already
   * waiting, InvalidStateError when closed or crashed, TypeError for a malformed image.
   */
  #request<K extends keyof WorkerResults>(
    op: K,
    image: RgbImage | KeptFrame,
    options: AnalyzeOptions,
    message: (id: number, wire: WireImage) => ToWorker,
  ): Promise<WorkerResults[K]> {
    if (this.#closed || this.#exitError) {
      return Promise.reject(this.#exitError ?? new InvalidStateError('the vision worker is closed'));
    }
    if ('kept' in image) {
      if (op === 'analyze') return Promise.reject(new TypeError('analyze needs the image itself'));
    } else {
      try {
        assertRgbImage(image);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new VisionBusyError(`${this.#pending.size} vision requests already pending`));
    }
    if ('kept' in image) {
      const wire: WireImage = { kept: image.kept };
      return this.#pending.add<WorkerResults[K]>((id) => this.#worker.postMessage(message(id, wire)));
    }
    const { data } = image;
    const transferable =
      options.transfer === true &&
      data.buffer instanceof ArrayBuffer &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength;
    const wire: WireImage = { image: { width: image.width, height: image.height, stride: image.stride, data } };
    return this.#pending.add<WorkerResults[K]>((id) => {
      this.#worker.postMessage(message(id, wire), transferable ? [data.buffer as ArrayBuffer] : []);
    });
  }

  /** Lets queued analyses finish, releases the models and stops the thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (!this.#exitError) {
      const closed = new Promise<void>((resolve) => {
        this.#closeWaiter = resolve;
        // Answered by a 'closed' message, not a result: the id only names it in the thread's log.
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
        forwardWorkerLog(this.#logger, message.line, 'the vision worker');
        break;
      case 'ready':
      case 'failed':
        break;
    }
  }

  #onExit(code: number): void {
    const error = new InvalidStateError(`the vision worker exited (code ${code})`);
    this.#pending.failAll(error);
    this.#closeWaiter?.();
    if (!this.#closed) {
      this.#exitError = error;
      this.#logger.error({ code }, 'vision worker exited');
      this.#onCrash?.(error);
    }
  }
}

/** The image of a request that carries its pixels. */
function wireImage(wire: WireImage): RgbImage {
  if ('image' in wire) return wire.image;
  throw new TypeError('this request needs the image itself');
}
